"""任务分解 in a real Chromium: the finance head, leading the safety inspection, opens the item, splits it from the
task's form into two parts (rows of 事项, 主办, 协办, 时限), sees them under 分解事项 with their serials and the
roll-up, follows a part to its own page, and is told which parts are still open when trying to complete."""
from __future__ import annotations

from playwright.sync_api import expect

from engine.reads import items as queries
from tests.support.office import DIRECTIVE
from tests.web.test_every_page_on_a_phone import MEASURE, MIN_TAP, PHONE


def test_the_lead_splits_a_directive_into_two_parts_on_the_item_page(desks, web_site):
    item = web_site.start("directive", DIRECTIVE, "leader")
    web_site.act(queries.open_task_for(web_site, item, "register"), "submit", "clerk", {})
    web_site.act(queries.open_task_for(web_site, item, "assign"), "assign", "office",
                 {"lead": "finance", "co": ["hr"], "due": "2026-03-20"})
    lead_task = queries.open_task_for(web_site, item, "handle", unit="finance")
    web_site.act(lead_task, "accept", "finance.head", {})

    desk = desks("finance.head")
    page = desk.goto(f"/items/{item}")
    expect(page.locator("#parts")).to_have_count(0)  # not split yet: no section
    row = page.locator(f"#task-{lead_task}")
    row.locator("details[data-action='split'] > summary").click()
    form = row.locator("form[data-action='split']")
    expect(form.locator("fieldset.part-row")).to_have_count(5)
    form.locator("[name='parts.1.title']").fill("财务部门安全自查")
    form.locator("[name='parts.1.lead']").select_option("finance.staff1")
    form.locator("[name='parts.1.due']").fill("2026-03-13")
    form.locator("[name='parts.2.title']").fill("信息系统安全排查")
    form.locator("[name='parts.2.lead']").select_option("it")
    form.locator("[name='parts.2.co']").select_option(["service"])
    form.locator("[name='parts.2.due']").fill("2026-03-18")
    form.locator("[name='parts.2.weight']").fill("3")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    parts = page.locator("#parts table.parts-table tbody tr")
    expect(parts).to_have_count(2)
    expect(parts.nth(0).locator("a.part-link")).to_have_text("督〔2026〕1-1号")
    expect(parts.nth(1)).to_contain_text("信息技术部")
    expect(page.locator("#parts-rollup")).to_have_attribute("data-open", "2")
    expect(page.locator("#parts-rollup")).to_contain_text("（按权重）")
    expect(page.locator("ol.timeline, .timeline").first).to_contain_text("将事项分解为 2 项")

    # on a phone: the parts and the split form (open) fit 360 px and every control is a 44 px target
    page.set_viewport_size(PHONE)
    page.locator(f"#task-{lead_task} details[data-action='split'] > summary").click()
    expect(page.locator(f"#task-{lead_task} form[data-action='split'] fieldset.part-row").first).to_be_visible()
    assert page.evaluate(MEASURE, MIN_TAP) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_navigation():
        parts.nth(1).locator("a.part-link").click()
    expect(page.locator("#serial")).to_have_text("督〔2026〕1-2号")
    expect(page.locator("#part-of a")).to_have_text("督〔2026〕1号 落实安全生产大检查")

    # HR gives its opinion; the lead may not complete while the two parts are open, and is told which
    web_site.act(queries.open_task_for(web_site, item, "handle", unit="hr"), "accept", "hr.head", {})
    web_site.act(queries.open_task_for(web_site, item, "handle", unit="hr"), "complete", "hr.head",
                 {"opinion": "同意"})
    page = desk.goto(f"/items/{item}")
    row = page.locator(f"#task-{lead_task}")
    row.locator("details[data-action='complete'] > summary").click()
    form = row.locator("form[data-action='complete']")
    form.locator("[name='report']").fill("已完成")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("[role=alert]").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("还有 2 项分解事项未办结")
