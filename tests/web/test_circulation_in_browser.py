"""传阅 and 批量办理 in a real Chromium: the clerk registers a notice from the city government, the office director
circulates it at 拟办 from the card's small form; the leader finds it marked 阅件 on 我的待办, opens it and the
circulation sheet (传阅单) shows 已阅 with the time; the HR head, holding two more documents, ticks them and signs
for both at once."""
from __future__ import annotations

from playwright.sync_api import expect

from engine.reads import items as queries

NOTICE = {"title": "关于做好春节期间安全工作的通知", "sender": "市人民政府办公室", "doc_number": "市政办〔2026〕5号",
          "received_on": "2026-03-02", "urgency": "very_urgent"}


def test_a_notice_circulated_and_read_and_two_tasks_signed_for_at_once(desks, web_site):
    doc = web_site.start("incoming_document", NOTICE, "clerk")
    clerk = desks("clerk")
    clerk.act(clerk.task("register"), "submit")

    office = desks("office")
    card = office.task("propose")
    expect(card.locator("[data-urgency=very_urgent]")).to_have_text("特急")
    office.act(card, "circulate", to="leader, hr", note="请王局长阅示，人力资源部知悉")

    leader = desks("leader")
    reading = leader.task("propose", kind="reading")
    expect(reading.locator("[data-reading]")).to_have_text("阅件")
    with leader.page.expect_navigation():
        reading.locator("a.title").click()
    sheet = leader.page.locator("#circulation")
    expect(sheet.locator("tr[data-reader='王局长']")).to_have_attribute("data-read-state", "read")
    expect(sheet.locator("tr[data-reader='人力资源部']")).to_have_attribute("data-read-state", "unread")
    leader.goto("/tasks")
    expect(leader.page.locator(f"li.task[data-item='{doc}']")).to_have_count(0)

    # two more documents for HR to handle: the HR head signs for both at once
    for title in ("关于人才引进的通知", "关于年度培训的通知"):
        d = web_site.start("incoming_document", {**NOTICE, "title": title, "urgency": "normal"}, "clerk")
        for step, who, action, data in (("register", "clerk", "submit", {}),
                                         ("propose", "office", "assign", {"lead": "hr", "due": "2026-03-20"}),
                                         ("instruct", "leader", "agree", {}),
                                         ("dispatch", "clerk", "transfer", {"lead": "hr"})):
            web_site.act(queries.open_task_for(web_site, d, step), action, who, data)
    hr = desks("hr.head")
    page = hr.goto("/tasks")
    pending = page.locator("li.task[data-step='handle'][data-state='pending'] input.bulk-pick")
    expect(pending).to_have_count(2)
    for i in range(2):
        pending.nth(i).check()
    page.select_option("#bulk-action", "accept")
    with page.expect_navigation():
        page.click("#bulk-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_have_text("批量签收：2 项已办理，0 项未能办理（可逐项查看原因）。")
    expect(page.locator("li.task[data-step='handle'][data-state='active']")).to_have_count(2)
