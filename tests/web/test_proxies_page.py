"""The proxies page (代理) as the office uses it: 郑会计 names 林运维 to stand in while on leave, the refusal of a bad
period shows beside its field, 林运维 finds 郑会计's task on 我的待办 marked 代, and the page fits a 360 px phone
in both languages."""
from __future__ import annotations

from engine.reads.items import open_task_for


def assigned_to(site, person: str, title: str) -> int:
    """A directive issued by the leader, registered by the clerk, assigned by the office director to `person`."""
    item = site.start("directive", {"title": title, "instruction": "请核对。", "leader": "leader",
                                    "lead_unit": "finance", "co_units": [], "due": "2026-03-20"}, "leader")
    site.act(open_task_for(site, item, "register"), "submit", "clerk", {})
    site.act(open_task_for(site, item, "assign"), "assign", "office", {"lead": person, "due": "2026-03-20"})
    return item


def test_naming_a_proxy_on_the_page_and_the_代_mark_on_the_stand_ins_tasks(web_app, web_site, desk_client):
    away = desk_client("finance.staff1")
    assert 'href="/proxies"' in away.get("/tasks").text  # linked from the header
    r = away.post("/proxies", {"to": "it.staff1", "from": "2026-03-05", "until": "2026-03-04"}, from_page="/proxies")
    assert r.status_code == 422 and 'data-error-for="until"' in r.text  # the message beside its field
    r = away.post("/proxies", {"to": "it.staff1", "from": "2026-03-02", "until": "2026-03-06", "note": "年休假"},
                  from_page="/proxies")
    assert r.status_code == 303 and r.headers["location"] == "/proxies"
    page = away.get("/proxies").text
    assert "由林运维代理" in page and "年休假" in page and "生效中" in page

    item = assigned_to(web_site, "finance.staff1", "核对报销凭证")
    stand_in = desk_client("it.staff1")
    tasks = stand_in.get("/tasks").text
    assert "核对报销凭证" in tasks and 'data-on-behalf="finance.staff1"' in tasks and "代 郑会计" in tasks
    assert "代郑会计办理" in stand_in.get("/proxies").text
    en = desk_client("it.staff1", "en").get("/tasks").text
    assert 'data-on-behalf="finance.staff1"' in en and "for Zheng Kuai" in en

    given = away.get("/proxies").text
    proxy_id = given.split('data-proxy="')[1].split('"')[0]
    r = away.post(f"/proxies/{proxy_id}/revoke", from_page="/proxies")
    assert r.status_code == 303
    assert "已撤销" in away.get("/proxies").text
    assert 'data-on-behalf="finance.staff1"' not in stand_in.get("/tasks").text
    assert open_task_for(web_site, item, "handle", person="finance.staff1")


def test_the_proxies_page_fits_a_phone(desks):
    for lang in ("zh", "en"):
        desk = desks("hr.staff2", lang)
        page = desk.page
        page.set_viewport_size({"width": 360, "height": 740})
        desk.goto("/proxies")
        assert page.locator("#give-proxy").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, lang
