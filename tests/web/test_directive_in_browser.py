"""A directive from issue to close in a real Chromium, each person at their own desk: the leader issues it
(seeing the working days as the due date is picked), the clerk registers it, the office director assigns it,
the finance head signs for it and hands it to a staff member, IT gives its co-handling opinion, the staff
member reports progress and asks for an extension (first with a date the engine refuses, shown beside the
field) that the office director approves, and completes; the clerk verifies; the board and the ledger show
it, and the ledger's XLSX is downloaded and read back."""
from __future__ import annotations

import re
from datetime import date, datetime

from openpyxl import load_workbook
from playwright.sync_api import expect

LEDGER_HEADERS = ["编号", "事项", "来源/批示领导", "主办单位", "协办单位", "交办日期", "办理时限", "办理进展", "办结日期",
                  "状态", "催办次数", "亮牌", "亮灯", "办结材料", "拟办意见", "领导批示", "缓急", "办复情况",
                  "办结评价"]
TITLE = "落实安全生产大检查"


def test_a_directive_from_issue_to_close_in_the_browser(desks, tmp_path):
    leader = desks("leader")
    page = leader.goto("/new/directive")
    page.fill("[name=title]", TITLE)
    page.fill("[name=instruction]", "请财务部牵头开展自查，信息技术部配合。")
    page.select_option("[name=lead_unit]", "finance")
    page.check("[name=co_units][value=it]")
    page.fill("[name=due]", "2026-03-20")
    expect(page.locator("[data-field=due] output.workdays")).to_have_text("距今 14 个工作日（周五）")
    page.select_option("[name=priority]", "urgent")
    with page.expect_navigation():
        page.click("#new-item button[type=submit]")
    expect(page.locator("#serial")).to_have_text("督〔2026〕1号")
    expect(page.locator("#current-step")).to_have_text("立项")
    expect(page.locator("svg.diagram g.node.current")).to_have_attribute("data-step", "register")
    item_url = page.url

    clerk = desks("clerk")
    clerk.act(clerk.task("register"), "submit")
    expect(clerk.page.locator(".flash.ok")).to_have_text("已提交。")

    office = desks("office")
    card = office.task("assign")
    card.locator("details[data-action=assign] > summary").click()
    form = card.locator("form[data-action=assign]")
    expect(form.locator("[name=lead]")).to_have_value("finance")  # prefilled from the directive
    expect(form.locator("[name=co][value=it]")).to_be_checked()
    expect(form.locator("[name=due]")).to_have_value("2026-03-20")
    office.act(card, "assign")

    head = desks("finance.head")
    head.act(head.task("handle", state="pending"), "accept")
    head.act(head.task("handle", state="active"), "transfer", to="finance.staff1", reason="请郑会计具体承办")

    it = desks("it.head")
    it.act(it.task("handle", state="pending"), "accept")
    it.act(it.task("handle", state="active"), "complete", opinion="监控系统已升级，同意")

    staff = desks("finance.staff1")
    staff.act(staff.task("handle", state="pending"), "accept")
    staff.act(staff.task("handle"), "progress", text="已完成各部门自查，正在整改", percent="60")
    card = staff.task("handle")
    staff.act(card, "request_extension", new_due="2026-03-13", reason="需等待审计结果")
    error = staff.page.locator("form[data-action=request_extension] [data-error-for=new_due]")
    expect(error).to_contain_text("应晚于现时限 2026-03-20")  # the engine's words, beside the field
    expect(staff.page.locator("form[data-action=request_extension] [name=reason]")).to_have_value("需等待审计结果")
    card = staff.page.locator("li.task[data-step=handle]")
    staff.act(card, "request_extension", new_due="2026-03-27")

    office.act(office.task("handle", kind="extension"), "approve", comment="同意延期一周")

    card = staff.task("handle")
    expect(card.locator(".due")).to_contain_text("2026-03-27 18:00")
    staff.act(card, "complete", report="检查完毕，整改清单已报送")

    clerk.act(clerk.task("verify"), "approve", comment="材料齐全，同意销号")

    page = leader.page
    page.goto(item_url)
    expect(page.locator("#item-state")).to_have_text("已办结")
    timeline = page.locator("#timeline li")
    for words in ("交办：主办 财务部，协办 信息技术部", "转办给 郑会计", "反馈进展（60%）", "申请延期至 2026-03-27",
                  "同意延期至 2026-03-27", "办结：检查完毕", "审核通过"):
        expect(timeline.filter(has_text=words)).to_have_count(1)
    expect(page.locator("svg.diagram g.node.visited[data-step=verify]")).to_have_count(1)

    page = leader.goto("/board")
    expect(page.locator("[data-count=completed] .n")).to_have_text("1")
    expect(page.locator("[data-count=overdue] .n")).to_have_text("0")
    rates = page.locator("svg.rates")
    expect(rates.locator("text[data-value='100%']")).to_have_count(2)  # finance and IT, both on time

    page = clerk.goto("/ledger")
    row = page.locator("#ledger tbody tr").filter(has_text="督〔2026〕1号")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已办结")
    expect(row).to_contain_text("检查完毕，整改清单已报送")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / "ledger.xlsx"
    download.value.save_as(saved)
    assert re.search(r"\.xlsx$", download.value.suggested_filename)

    ws = load_workbook(saved).active
    assert [c.value for c in ws[1]] == LEDGER_HEADERS
    assert ws.freeze_panes == "A2"
    assert all(ws.column_dimensions[letter].width >= 8 for letter in "ABCDEFGHIJKL")
    values = [c.value for c in ws[2]]
    assert values[:5] == ["督〔2026〕1号", TITLE, "王局长", "财务部（郑会计）", "信息技术部"]
    assigned, due, closed = values[5], values[6], values[8]
    assert all(isinstance(v, datetime) for v in (assigned, due, closed))  # dates, not text
    assert (assigned.date(), due.date(), closed.date()) == (date(2026, 3, 2), date(2026, 3, 27), date(2026, 3, 2))
    assert ws["F2"].is_date and ws["F2"].number_format == "yyyy-mm-dd"
    assert values[7].startswith("检查完毕，整改清单已报送")
    # no light once closed, no material, 拟办意见, 批示, 办复 or 办结评价 (待评价)
    assert values[9:] == ["已办结", 0, "—", None, "无", None, None, "紧急", None, None]
