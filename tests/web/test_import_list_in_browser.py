"""导入督办清单 in the browser: from the issue page the clerk opens the import page, downloads the template, tries a
dry run of the meeting's list (nothing saved, every row shown), imports it, and on a 360 px phone every control is a
44 px tap target; a list with two bad rows shows both, by row and column, and imports nothing."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.api.test_supervision_list_import import meeting_list, twelve_decisions


def test_the_clerk_imports_a_meeting_list_after_a_dry_run(desks, tmp_path):
    good = tmp_path / "三月办公会议督办清单.xlsx"
    good.write_bytes(meeting_list(twelve_decisions()))
    rows = twelve_decisions()
    rows[3][2] = "宣传部"
    rows[7][4] = "2026-02-27"
    bad = tmp_path / "有误的清单.xlsx"
    bad.write_bytes(meeting_list(rows))

    clerk = desks("clerk")
    page = clerk.goto("/new/directive")
    with page.expect_navigation():
        page.click("#import-list-link")
    template = page.request.get(clerk.base + page.locator("#import-template").get_attribute("href"))
    assert template.status == 200 and template.body()[:2] == b"PK"

    page.set_input_files("#import-file", str(bad))
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    expect(page.locator("#import-problems tbody tr")).to_have_count(2)
    expect(page.locator("#import-problems tr[data-row='5']")).to_contain_text("主办单位")
    expect(page.locator("#import-problems tr[data-row='9']")).to_contain_text("办理时限不能早于今天")

    page.set_input_files("#import-file", str(good))  # the dry run box is ticked by default
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    expect(page.locator("#import-result")).to_contain_text("试导入：将创建 12 项")
    expect(page.locator("#import-items tbody tr")).to_have_count(12)
    expect(page.locator("#import-items a")).to_have_count(0)

    page.set_input_files("#import-file", str(good))
    page.uncheck("[name=dry_run]")
    with page.expect_navigation():
        page.click("#import-form button[type=submit]")
    expect(page.locator("#import-result")).to_contain_text("已导入 12 项")
    expect(page.locator("#import-items a")).to_have_count(12)

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for sel in ("#import-form button[type=submit]", "#import-template"):
        assert page.locator(sel).bounding_box()["height"] >= 44, sel
