"""Pages over TestClient: registering an incoming document, the header (person, unit, unread notifications,
language), the inbox, and the administrator's organisation, calendar overrides and definition checks."""
from __future__ import annotations

import re

from engine.reads.lists import calendar_year
from engine.reads.items import item_view
from tests.web.conftest import csrf_of


def test_a_clerk_registers_an_incoming_document(web_site, desk_client):
    clerk = desk_client("clerk")
    page = clerk.get("/new/incoming_document").text
    assert 'name="received_on" value="2026-03-02"' in page and 'name="confidential"' in page
    r = clerk.post("/new/incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                              "doc_number": "市数〔2026〕12号", "received_on": "2026-03-02",
                                              "due": "2026-03-16", "urgency": "urgent", "confidential": "true"},
                   from_page="/new/incoming_document")
    assert r.status_code == 303 and r.headers["location"].startswith("/items/")
    item = int(r.headers["location"].rsplit("/", 1)[1])
    view = item_view(web_site, item, None)
    assert view["serial"].startswith("收〔2026〕") and view["confidential"] is True
    assert view["subject"]["urgency"] == "urgent" and view["subject"]["doc_number"] == "市数〔2026〕12号"
    page = clerk.get(r.headers["location"]).text
    assert "已登记，事项已进入流程。" in page and "涉密" in page and "特急" not in page and "急件" in page
    assert desk_client("leader").get(r.headers["location"]).status_code == 404  # confidential: not involved


def test_the_header_shows_the_person_unit_unread_and_the_language_switch(web_site, desk_client):
    web_site.start("directive", {"title": "办公用品采购", "instruction": "请办公室牵头。", "leader": "leader",
                                        "lead_unit": "office", "due": "2026-03-20"}, "leader")  # the clerk is told
    head = desk_client("hr.head")
    page = head.get("/tasks").text
    assert '<a class="person" href="/me" title="我的设置" data-login="hr.head">陈部长</a>' in page  # the name leads to 我的设置
    assert '<span class="unit">人力资源部</span>' in page and 'href="/lang/en?next=/tasks"' in page
    clerk = desk_client("clerk")
    unread = int(re.search(r'data-unread="(\d+)"', clerk.get("/tasks").text).group(1))
    assert unread >= 1
    inbox = clerk.get("/notifications").text
    note = re.search(r'data-note="(\d+)"', inbox).group(1)
    r = clerk.post(f"/notifications/{note}/read", {}, from_page="/notifications")
    assert r.status_code == 303
    after = re.search(r'data-unread="(\d+)"', clerk.get("/tasks").text)
    assert (int(after.group(1)) if after else 0) == unread - 1
    r = clerk.post("/notifications/read-all", {}, from_page="/notifications")
    assert r.status_code == 303 and "data-unread" not in clerk.get("/tasks").text
    english = desk_client("hr.head", "en").get("/tasks").text
    assert ">Chen (HR head)</a>" in english and ">Human Resources</span>" in english and ">中文</a>" in english


def test_the_administrator_keeps_the_calendar(web_site, desk_client):
    admin = desk_client("admin")
    r = admin.post("/admin/calendar", {"date": "2026-03-14", "working": "yes", "note": "补班"},
                   from_page="/admin/calendar")
    assert r.status_code == 303 and r.headers["location"] == "/admin/calendar?year=2026"
    page = admin.get("/admin/calendar?year=2026").text
    assert 'data-date="2026-03-14" class="working"' in page and "日历已更新。" in page
    assert any(d["date"].isoformat() == "2026-03-14" and d["source"] == "override"
               for d in calendar_year(web_site, year=2026)["days"])
    r = admin.post("/admin/calendar", {"date": "2026-02-30", "working": "yes"}, from_page="/admin/calendar")
    assert r.status_code == 422 and 'data-error-for="date"' in r.text
    r = admin.post("/admin/calendar", {"date": "2026-03-21"}, from_page="/admin/calendar")
    assert r.status_code == 422 and 'data-error-for="working"' in r.text
    r = admin.post("/admin/calendar/2026-03-14/delete", {}, from_page="/admin/calendar")
    assert r.status_code == 303
    assert 'data-date="2026-03-14"' not in admin.get("/admin/calendar?year=2026").text
    clerk = desk_client("clerk")
    token = csrf_of(clerk.get("/tasks").text)
    r = clerk.http.post("/admin/calendar", data={"csrf": token, "date": "2026-03-15", "working": "yes"})
    assert r.status_code == 403 and "仅系统管理员可执行此操作" in r.text


def test_the_administrator_sees_the_organisation_and_checks_definitions(desk_client):
    admin = desk_client("admin")
    org = admin.get("/admin/org").text
    assert 'data-unit="finance"' in org and "吴部长" in org and 'data-role="clerk"' in org
    assert org.count('<tr data-login="') == 19 and "仅站内通知" in org
    page = admin.get("/admin/definitions").text
    assert 'data-file="directive.yaml"' in page and "✓ 通过" in page and 'svg class="diagram"' in page
    r = admin.post("/admin/definitions/validate", {"yaml": "id: x\nversion: 1\ntitle: {zh: 测试, en: Test}\n"},
                   from_page="/admin/definitions")
    assert 'id="validation-result"' in r.text and "definition.yaml:" in r.text
    ok = open("definitions/directive.yaml", encoding="utf-8").read()
    r = admin.post("/admin/definitions/validate", {"yaml": ok}, from_page="/admin/definitions")
    assert "directive 第 2 版校验通过。" in r.text


def test_the_chinese_calendar_names_holidays_in_chinese(desk_client):
    zh = desk_client("admin").get("/admin/calendar?year=2026").text
    row = zh[zh.index('data-date="2026-02-17"'):].split("</tr>")[0]
    assert "春节" in row and "Spring" not in row
    assert "国庆节" in zh and "National Day" not in zh and "Festival" not in zh
    en = desk_client("admin", "en").get("/admin/calendar?year=2026").text
    assert "Spring Festival" in en.split('data-date="2026-02-17"')[1].split("</tr>")[0]


def test_holiday_names_of_either_library_have_chinese():
    from api.pages.words import holiday_name

    assert holiday_name("Chinese New Year (Spring Festival)", "zh") == "春节"
    assert holiday_name("Labor Day (observed)", "zh") == "劳动节（补休）"
    assert holiday_name("Day off (substituted from 02/14/2026)", "zh") == "调休"
    assert holiday_name("Mid-autumn Festival", "zh") == "中秋节" and holiday_name("Mid-autumn Festival", "en") == \
        "Mid-autumn Festival"


def test_the_office_director_checks_a_definition_on_the_page_and_a_clerk_may_not(desk_client):
    """The page's YAML check follows the same role set as the API's (policy.DEFINE_ROLES)."""
    office = desk_client("office")
    ok = open("definitions/directive.yaml", encoding="utf-8").read()
    r = office.post("/admin/definitions/validate", {"yaml": ok})
    assert r.status_code == 200 and "directive 第 2 版校验通过。" in r.text
    too_big = office.post("/admin/definitions/validate", {"yaml": "#" + "x" * (256 * 1024)})
    assert "256 KB" in too_big.text
    assert desk_client("clerk").post("/admin/definitions/validate", {"yaml": ok}).status_code == 403
