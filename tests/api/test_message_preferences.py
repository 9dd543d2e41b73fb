"""A person chooses where their messages reach them (in-app only, mail, DingTalk, WeCom, or every channel) and the
daily digest, over the API and on 我的设置; each change is audited and the next message follows it."""
from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from engine.store import db
from engine.store.tables import Event, Outbox, Person
from tests.support.office import PASSWORD

T_EVENT, T_OUT, T_PERSON = Event.__table__, Outbox.__table__, Person.__table__


def test_the_clerk_chooses_in_app_only_and_the_next_message_stays_in_duban(api, api_site):
    with db.write(api_site.eng) as conn:
        conn.execute(T_PERSON.update().where(T_PERSON.c.login == "clerk").values(channels=["json://127.0.0.1:9/x"]))
    api_site.reload()
    assert api.ok("GET", "/me/preferences", "clerk") == {"channel": None, "digest": False, "dingtalk": False,
                                                         "wecom": False, "mail": False,
                                                         "choices": ["inapp", "mail", "dingtalk", "wecom"]}
    got = api.ok("PATCH", "/me/preferences", "clerk", json={"channel": "inapp"})
    assert (got["channel"], got["digest"]) == ("inapp", False)
    api.start("leader")
    with db.read(api_site.eng) as conn:
        assert conn.execute(sa.select(T_OUT).where(T_OUT.c.person == "clerk")).all() == []
        [event] = conn.execute(sa.select(T_EVENT).where(T_EVENT.c.kind == "preferences")).all()
    assert event.actor == "clerk" and "仅站内通知" in event.message_zh and "in-app only" in event.message_en
    assert event.data["before"] == {"channel": None, "digest": False}


def test_only_the_fields_sent_change_and_bad_ones_are_refused(api):
    api.ok("PATCH", "/me/preferences", "hr.staff1", json={"channel": "wecom"})
    got = api.ok("PATCH", "/me/preferences", "hr.staff1", json={"digest": True})
    assert (got["channel"], got["digest"]) == ("wecom", True)
    assert api.ok("PATCH", "/me/preferences", "hr.staff1", json={"channel": None})["channel"] is None
    for body in ({"channel": "sms"}, {"digest": True, "colour": "red"}):
        r = api.request("PATCH", "/me/preferences", "hr.staff1", json=body)
        assert r.status_code == 422 and r.json()["error"]["code"]
    assert api.request("PATCH", "/me/preferences", json={"digest": True}).status_code == 401


def test_my_settings_page_saves_the_choice(api_site):
    http = TestClient(create_app(api_site), follow_redirects=False)
    r = http.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    assert http.post("/login", data={"username": "finance.head", "password": PASSWORD, "csrf": csrf,
                                     "next": "/me"}).status_code == 303
    page = http.get("/me")
    assert page.status_code == 200 and "钉钉工作通知" in page.text and "尚无账号" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = http.post("/me/preferences", data={"csrf": csrf, "channel": "dingtalk", "digest": "1"})
    assert r.status_code == 303 and r.headers["location"] == "/me"
    page = http.get("/me")
    assert 'value="dingtalk" checked' in page.text and 'name="digest" value="1" checked' in page.text
    assert "消息设置已保存。" in page.text
