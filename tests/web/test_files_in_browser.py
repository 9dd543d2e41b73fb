"""Files in the browser: the clerk registers a 来文 and picks its scan on the registration form (sent first, with a
progress bar, then joined to the item as it is registered); the item page lists it (who, when, where it came from,
size) with a download link that brings the very bytes; a second file added on the item page can be removed with a
reason; on a 360 px phone the files table scrolls inside its own box."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.api.test_attachments_server import report_docx, scanned_pdf
from tests.support.office import Office
from tests.web.conftest import csrf_of


@pytest.fixture(scope="module", autouse=True)
def files_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_FILES", str(tmp_path_factory.mktemp("files")))
        yield os.environ["DUBAN_FILES"]


def test_the_clerk_registers_a_document_with_its_scan_in_the_browser(desks, tmp_path):
    scan = tmp_path / "应急〔2026〕8号 来文.pdf"
    scan.write_bytes(scanned_pdf())
    clerk = desks("clerk")
    page = clerk.goto("/new/incoming_document")
    page.fill("[name=title]", "关于开展安全生产大检查的通知")
    page.fill("[name=sender]", "市应急管理局")
    page.fill("[name=received_on]", "2026-03-02")
    page.set_input_files("#f-attachments", str(scan))
    expect(page.locator("#new-item ul.uploads li.uploaded")).to_have_count(1)
    expect(page.locator("#new-item ul.uploads progress")).to_have_attribute("value", "100")
    with page.expect_navigation():
        page.click("#new-item button[type=submit]")
    row = page.locator("#files tr[data-origin=registration]")
    expect(row).to_have_count(1)
    expect(row.locator("a.file-link")).to_have_text(scan.name)
    expect(row).to_contain_text("赵督办")
    expect(page.locator("#timeline a.file-link")).to_have_text("📎" + scan.name)
    got = page.request.get(clerk.base + row.locator("a.file-link").get_attribute("href"))
    assert got.status == 200 and got.body() == scanned_pdf()
    assert "filename*=UTF-8''" in got.headers["content-disposition"]

    wrong = tmp_path / "错传.txt"
    wrong.write_text("这不是来文")
    with page.expect_navigation():
        page.set_input_files("#item-files", str(wrong))  # added on the item page: it reloads with the file listed
    extra = page.locator("#files tr[data-origin=item]")
    expect(extra).to_have_count(1)
    extra.locator("details.remove-file > summary").click()
    extra.locator("[name=reason]").fill("上传错了")
    with page.expect_navigation():
        extra.locator("button[type=submit]").click()
    expect(page.locator("#files tr[data-origin=item]")).to_have_count(0)
    expect(page.locator("#timeline li[data-kind=attachment_removed]")).to_contain_text("上传错了")

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    wide = page.evaluate("""() => Array.from(document.querySelectorAll('#files *'))
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll-x'))
        .map(e => e.tagName + '.' + e.className)""")
    assert wide == []  # the files table scrolls inside its own box; nothing else of the section runs off
    box = page.locator("#files .scroll-x").evaluate("e => [e.getBoundingClientRect().right, e.scrollWidth]")
    assert box[0] <= 361


def test_a_page_upload_needs_the_pages_csrf_token(desk_client, web_site):
    """A foreign page cannot make a signed-in clerk's browser file something: without the token it is refused."""
    clerk = desk_client("clerk")
    iid = web_site.start("incoming_document", {"title": "关于报送年度总结的通知", "sender": "市政府办公厅",
                                               "received_on": "2026-03-02"}, "clerk")
    files = {"file": ("来文.txt", "来文正文".encode(), "text/plain")}
    refused = clerk.http.post(f"/ui/items/{iid}/files", files=files)
    assert refused.status_code in (400, 403)
    token = csrf_of(clerk.get(f"/items/{iid}").text)
    r = clerk.http.post(f"/ui/items/{iid}/files", files=files, headers={"X-CSRF-Token": token})
    assert r.status_code == 201 and r.json()["name"] == "来文.txt"
    assert clerk.get(f"/items/{iid}").text.count("来文.txt") >= 1


def test_the_finance_head_completes_with_the_report_attached_in_the_browser(desks, web_site, web_clock, tmp_path):
    office = Office(web_site, web_clock)
    item = office.issue_directive(title="年度预算执行情况自查", co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    report = tmp_path / "预算执行自查报告.docx"
    report.write_bytes(report_docx("预算执行情况良好"))

    head = desks("finance.head")
    card = head.task("handle", state="active")
    card.locator("details[data-action=complete] > summary").click()
    form = card.locator("form[data-action=complete]")
    form.locator("input.file-input").set_input_files(str(report))
    expect(form.locator("ul.uploads li.uploaded")).to_have_count(1)
    form.locator("[name=report]").fill("自查完毕，报告附后")
    with head.page.expect_navigation():
        form.locator("button[type=submit]").click()

    page = head.goto(f"/items/{item}")
    row = page.locator("#files tr[data-origin=complete]")
    expect(row.locator("a.file-link")).to_have_text(report.name)
    expect(page.locator("#timeline li[data-kind=complete] a.file-link")).to_have_text("📎" + report.name)
