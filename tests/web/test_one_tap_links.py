"""A chase reaches the finance head with a one-tap link; in a real Chromium, not yet signed in, the head opens it,
signs in, comes back to the task with 签收 ready and signs for it. Opening the same link again, a colleague's link,
and a link opened after it expired each explain themselves (and still offer the item to whoever may see it)."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from engine.store import db
from engine.store.tables import Notification
from tests.support.office import PASSWORD, Office

T_NOTE = Notification.__table__


def link_in_last_message(site, login: str, kind: str) -> str:
    with db.read(site.eng) as conn:
        body = conn.execute(sa.select(T_NOTE.c.body).where(T_NOTE.c.person == login, T_NOTE.c.kind == kind)
                            .order_by(T_NOTE.c.id.desc())).scalars().first()
    m = re.search(r"(https?://\S+/go/[A-Za-z0-9_-]+)$", body)
    assert m, body
    return m.group(1)


def test_from_a_chase_message_to_signed_for_with_the_sign_in_detour(web_site, web_clock, server, browser, monkeypatch):
    monkeypatch.setenv("DUBAN_BASE_URL", server)
    office = Office(web_site, web_clock)
    item = office.issue_directive(co_units=[], title="核查办公用房使用情况")
    office.register_and_assign(item)
    task = office.task(item, "handle", on="finance")
    web_site.act(task, "chase", "clerk", {"message": "请尽快签收并反馈"})
    link = link_in_last_message(web_site, "finance.head", "chase_manual")

    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(link)  # not signed in: the sign-in page, which returns to the link
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fgo%2F"))
    page.fill("#username", "finance.head")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/items/{item}\?task={task}&ready=progress#task-{task}$"))
    banner = page.locator(".ready-banner")
    expect(banner).to_have_attribute("data-ready-action", "accept")  # not signed for yet: 签收 first
    expect(banner).to_contain_text("来自消息：请签收")
    row = page.locator(f"tr#task-{task}")
    expect(row).to_have_attribute("data-state", "pending")  # the GET did not act
    with page.expect_navigation():
        row.locator("form[data-action=accept] button.is-ready").click()
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.locator(f"tr#task-{task}")).to_have_attribute("data-state", "active")
    page.goto(f"{server}/notifications")
    expect(page.locator("li.note.kind-chase_manual.unread")).to_have_count(0)  # opening the link read it
    expect(page.locator("li.note.kind-chase_manual a.one-tap").first).to_have_attribute("href", link)

    page.goto(link)  # the same link again
    expect(page.locator(".link-page")).to_have_attribute("data-link-state", "used")
    expect(page.locator(".link-page .error-message")).to_have_text("这个链接已经用过了（每个链接只能打开一次）。")
    page.locator(f"a[data-open-item='{item}']").click()
    expect(page).to_have_url(re.compile(rf"/items/{item}$"))
    context.close()


def test_a_colleagues_link_and_an_expired_link_explain_themselves(web_site, web_clock, server, browser, desks,
                                                                   monkeypatch):
    monkeypatch.setenv("DUBAN_BASE_URL", server)
    office = Office(web_site, web_clock)
    item = office.issue_directive(co_units=[], title="整理年度档案")
    clerk_link = link_in_last_message(web_site, "clerk", "task_new")

    staff = desks("hr.staff1", "en")
    staff.page.goto(clerk_link)
    expect(staff.page.locator(".link-page")).to_have_attribute("data-link-state", "other")
    expect(staff.page.locator(".link-page .error-message")).to_have_text(
        "This link was sent to a colleague and cannot be used by you.")
    expect(staff.page.locator(f"a[data-open-item='{item}']")).to_have_count(0)  # hr staff may not see it

    web_clock.advance(timedelta(hours=73))
    clerk = desks("clerk")
    clerk.page.goto(clerk_link)
    expect(clerk.page.locator(".link-page")).to_have_attribute("data-link-state", "expired")
    expect(clerk.page.locator(".link-page .error-message")).to_have_text("这个链接已过期。")
    expect(clerk.page.locator(f"a[data-open-item='{item}']")).to_be_visible()  # the clerk still sees the item
