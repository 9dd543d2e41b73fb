"""The supervision board in a real Chromium: three directives, two of them late after the clock moves on
(one red-carded, one yellow), the clerk sees the counts, cards and charts, chases the overdue tasks in one go
(a second go is refused task by task, with the engine's reason), a unit head is turned away, the chased
holder reads the notice from the inbox (a read receipt on the timeline), and the board switches to English."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from engine.cli.demo import Drill
from engine.reads.items import open_task_for


def at_handle(site, title: str, lead: str, co: list[str], due: str) -> int:
    item = site.start("directive", {"title": title, "instruction": "请抓紧落实。", "leader": "leader",
                                    "lead_unit": lead, "co_units": co, "due": due}, "leader")
    site.act(open_task_for(site, item, "register"), "submit", "clerk", {})
    site.act(open_task_for(site, item, "assign"), "assign", "office", {"lead": lead, "co": co, "due": due})
    return item


def test_the_board_shows_late_work_and_chases_it_in_bulk(web_site, web_clock, desks):
    late = at_handle(web_site, "客户投诉热线升级改造", "service", ["it"], "2026-03-04")
    later = at_handle(web_site, "年度人员招聘计划", "hr", [], "2026-03-06")
    at_handle(web_site, "办公网络升级改造", "it", [], "2026-03-31")
    Drill(web_site, web_clock).until(date(2026, 3, 12))  # sweeps as the scheduler would: chases and cards

    clerk = desks("clerk")
    page = clerk.goto("/board")
    for key, n in (("running", "3"), ("overdue", "2"), ("red", "1"), ("yellow", "1"), ("completed", "0")):
        expect(page.locator(f"[data-count={key}] .n")).to_have_text(n)
    cards = page.locator("#cards tbody tr")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("红牌")
    expect(cards.nth(0)).to_contain_text("客户投诉热线升级改造")
    expect(cards.nth(1)).to_contain_text("黄牌")
    bars = page.locator("svg.overdue-by-unit")
    expect(bars).to_have_attribute("aria-label", "各单位超期任务")
    expect(bars.locator("rect title")).to_have_count(3)  # service, IT and HR each hold one late task

    rows = page.locator("#overdue tbody tr")
    expect(rows).to_have_count(3)
    page.check("#select-all")
    page.fill("#chase-message", "已超期，请今日反馈进展")
    with page.expect_navigation():
        page.click("#chase-selected")
    expect(page.locator(".flash.ok")).to_have_text("已催办 3 项。")

    page.check("#select-all")  # at once again: each refused by the one-working-day rule, with its reason
    with page.expect_navigation():
        page.click("#chase-selected")
    failed = page.locator("#overdue [data-failed]")
    expect(failed).to_have_count(3)
    expect(failed.first).to_contain_text("距上次催办不足 1 个工作日")

    head = desks("finance.head")
    head.goto("/board")
    expect(head.page.locator("h1")).to_have_text("无权操作")

    service = desks("service.head")
    page = service.goto("/notifications")
    chase = page.locator("li.note.unread.kind-chase_manual")
    expect(chase).to_have_count(1)
    expect(chase).to_contain_text("已超期，请今日反馈进展")
    with page.expect_navigation():
        chase.locator("form:has(input[name=open]) button").click()
    assert page.url.endswith(f"/items/{late}")
    expect(page.locator("#timeline li[data-kind=read]")).to_contain_text("已阅催办通知")

    page = clerk.goto("/board?unit=hr")
    expect(page.locator("[data-count=running] .n")).to_have_text("1")
    expect(page.locator(f"#cards tbody tr[data-item='{later}']")).to_contain_text("年度人员招聘计划")
    page.click("a.lang-switch")
    expect(page.locator("h1")).to_have_text("Supervision board")
    expect(page.locator("[data-count=yellow] .what")).to_have_text("Yellow cards")
    expect(page.locator("#cards tbody tr")).to_contain_text("Yellow card")
    assert "unit=hr" in page.url


def test_the_leader_groups_the_board_by_instructing_leader(web_site, web_clock, desks):
    """The grouping choice sits with the filters: by unit at first, then by the leader who instructed."""
    at_handle(web_site, "安全生产大检查", "finance", ["hr"], "2026-03-20")
    at_handle(web_site, "档案数字化", "hr", [], "2026-03-27")
    from engine.reads import supervision
    mine = {g["key"]: g["total"] for g in supervision.summary(web_site, login="leader", group_by="leader")["groups"]}
    work = {g["key"]: g["total"] for g in supervision.summary(web_site, login="leader", group_by="unit")["groups"]}
    assert mine["leader"] >= 2 and work["finance"] >= 1
    leader = desks("leader")
    page = leader.goto("/board")
    expect(page.locator("#groups")).to_have_attribute("data-group-by", "unit")
    expect(page.locator("#groups tr[data-group=finance] td").nth(1)).to_have_text(str(work["finance"]))
    page.select_option("select[name=group_by]", "leader")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    expect(page.locator("#groups")).to_have_attribute("data-group-by", "leader")
    row = page.locator("#groups tr[data-group=leader] td")
    expect(row.nth(0)).to_have_text("王局长")
    expect(row.nth(1)).to_have_text(str(mine["leader"]))
