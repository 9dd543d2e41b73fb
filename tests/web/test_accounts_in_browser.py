"""Accounts in the browser, on a 360-pixel phone as well: the administrator adds a newcomer with an initial
password on the organisation page; the newcomer signs in, is sent to 修改密码 before anything else, changes it
and reaches 我的待办; the header offers the change to everyone; a leaver is disabled with a successor named."""
from __future__ import annotations

import re

from tests.support.office import PASSWORD

PHONE = {"width": 360, "height": 740}


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page is {width}px wide at {PHONE['width']}px"


def test_a_newcomer_is_added_signs_in_and_must_change_the_initial_password(desks, browser, server):
    admin = desks("admin")
    page = admin.goto("/admin/org")
    page.click("#people details.action > summary")
    form = page.locator("#add-person")
    form.locator("[name=login]").fill("finance.qian")
    form.locator("[name=name]").fill("钱会计")
    form.locator("[name=unit]").select_option("finance")
    form.locator("[name=roles][value=staff]").check()
    form.locator("[name=password]").fill("Qian-chushi-2026")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    row = page.locator("tr[data-login='finance.qian']")
    assert row.count() == 1 and row.locator("[data-account=must_change]").count() == 1

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        me = phone.new_page()
        me.goto(f"{server}/login")
        me.fill("#username", "finance.qian")
        me.fill("#password", "Qian-chushi-2026")
        me.click("#login-form button[type=submit]")
        me.wait_for_url(re.compile(r"/password$"))
        assert me.locator("#password-forced").is_visible()
        no_sideways_scroll(me)
        me.goto(f"{server}/tasks")  # every other page sends the newcomer back here
        me.wait_for_url(re.compile(r"/password$"))
        me.fill("#pw-current", "Qian-chushi-2026")
        me.fill("#pw-new", "finance.qian-2026")  # contains the login: refused beside the field
        me.fill("#pw-again", "finance.qian-2026")
        with me.expect_navigation():
            me.click("#change-password button[type=submit]")
        assert "不能是账号" in me.locator("[data-error-for=new]").inner_text()
        me.fill("#pw-current", "Qian-chushi-2026")
        me.fill("#pw-new", "Caiwu-Qian-xinmima")
        me.fill("#pw-again", "Caiwu-Qian-xinmima")
        with me.expect_navigation():
            me.click("#change-password button[type=submit]")
        me.wait_for_url(re.compile(r"/tasks$"))
        assert "密码已修改" in me.locator(".flash.ok").inner_text()
        assert me.locator("header a.password-link").inner_text() == "修改密码"
        no_sideways_scroll(me)
    finally:
        phone.close()

    page = admin.goto("/admin/org/people/finance.qian")
    page.locator("#dis-handover").select_option("finance.staff2")
    with page.expect_navigation():
        page.click("#disable-person button[type=submit]")
    assert page.locator("[data-account=disabled]").count() == 1


def test_the_organisation_page_is_usable_on_a_phone(browser, server):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(f"{server}/login")
        page.fill("#username", "admin")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r"/tasks"))
        page.goto(f"{server}/admin/org")
        no_sideways_scroll(page)
        page.click("#units details.action > summary >> nth=-1")
        assert page.locator("#add-unit [name=code]").is_visible()
        page.goto(f"{server}/admin/org/people/finance.staff1")
        no_sideways_scroll(page)
        assert page.locator("#set-password [name=password]").is_visible()
    finally:
        context.close()
