"""Messages that lead to the task: every message carries its link under DUBAN_BASE_URL, chases say what to do and by
when in words, and people who prefer it get DingTalk work notifications or WeCom application messages — against
local stand-ins of both APIs (tests/support/workapps.py): one token for many sends, a refused send retried with
backoff, an expired token fetched again, a person without an id reached through the unit's channel."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.runtime import links
from engine.runtime.messages import due_in_words
from engine.runtime.outbox import dispatch
from engine.store import db
from engine.store.tables import ActionLink, Event, Notification, Outbox, Person, Unit
from tests.support.workapps import DINGTALK_SEND, WECOM_SEND, WorkApps

T_OUT, T_PERSON, T_UNIT, T_NOTE, T_EVENT = (Outbox.__table__, Person.__table__, Unit.__table__,
                                            Notification.__table__, Event.__table__)
BASE = "https://duban.example.gov.cn"
DIRECTIVE = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部、信息技术部配合。",
             "leader": "leader", "lead_unit": "finance", "co_units": ["hr", "it"], "due": "2026-03-20"}


@pytest.fixture
def apps(monkeypatch):
    server = WorkApps({"/gettoken": ("ding-key", "ding-secret-1234"), "/cgi-bin/gettoken": ("ww-corp", "ww-secret-1234")})
    for name, value in {"BASE_URL": BASE, "DINGTALK_APP_KEY": "ding-key", "DINGTALK_APP_SECRET": "ding-secret-1234",
                        "DINGTALK_AGENT_ID": "2901", "DINGTALK_API_URL": server.base, "WECOM_CORP_ID": "ww-corp",
                        "WECOM_CORP_SECRET": "ww-secret-1234", "WECOM_AGENT_ID": "1000002",
                        "WECOM_API_URL": server.base}.items():
        monkeypatch.setenv("DUBAN_" + name, value)
    yield server
    server.close()


def person(site, login, **values):
    with db.write(site.eng) as conn:
        conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(**values))
    site.reload()


def outbox_of(site, login):
    with db.read(site.eng) as conn:
        return [r._asdict() for r in conn.execute(sa.select(T_OUT).where(T_OUT.c.person == login).order_by(T_OUT.c.id))]


def notes_of(site, login):
    with db.read(site.eng) as conn:
        return [r._asdict() for r in conn.execute(sa.select(T_NOTE).where(T_NOTE.c.person == login).order_by(T_NOTE.c.id))]


def start(site):
    return site.start("directive", dict(DIRECTIVE), "leader")


# ------------------------------------------------------------------ links and words
def test_a_new_task_message_carries_a_one_tap_link_for_its_recipient(site, apps):
    start(site)
    [note] = notes_of(site, "clerk")
    url = re.search(r"https://duban\.example\.gov\.cn/go/([A-Za-z0-9_-]+)", note["body"])
    assert url and note["body_en"].endswith(f"Open: {url.group(0)}")
    with db.read(site.eng) as conn:
        [link] = conn.execute(sa.select(ActionLink.__table__)).all()
    assert link.token_hash == links.token_hash(url.group(1)) and url.group(1) not in str(link._asdict())
    assert (link.person, link.action, link.kind, link.used_at) == ("clerk", "accept", "task_new", None)
    assert link.expires_at - link.created_at == timedelta(hours=72)


def test_without_base_url_the_in_app_message_keeps_a_site_path_and_outside_ones_no_link(site, monkeypatch):
    monkeypatch.delenv("DUBAN_BASE_URL", raising=False)
    person(site, "clerk", channels=["json://127.0.0.1:9/hook"])
    start(site)
    [note], [row] = notes_of(site, "clerk"), outbox_of(site, "clerk")
    assert re.search(r"办理链接：/go/[A-Za-z0-9_-]+$", note["body"])
    assert row["link"] is None and "/go/" not in row["body"] and "http" not in row["body"]


def test_a_chase_says_the_action_and_the_due_date_in_words(site, office, apps):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    task = office.task(item, "handle", on="finance")
    site.act(task, "chase", "clerk", {"message": "请抓紧"})
    note = [n for n in notes_of(site, "finance.head") if n["kind"] == "chase_manual"][-1]
    due = next(t for t in office.tasks(item) if t["id"] == task)["due_at"]
    zh, en = due_in_words(due, site.cal.tz)
    assert f"请于 {zh}前反馈进展" in note["body"] and f"report progress by {en}" in note["body_en"]
    assert "星期" in zh and re.match(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} 2026", en)
    assert re.search(r"/go/[A-Za-z0-9_-]+$", note["body"])


def test_due_in_words_reads_like_the_office_writes_it():
    from datetime import datetime
    from zoneinfo import ZoneInfo
    tz = ZoneInfo("Asia/Shanghai")
    assert due_in_words(datetime(2026, 12, 4, 0, 0, tzinfo=tz), tz) == ("2026年12月3日（星期四）", "Thu 3 Dec 2026")
    assert due_in_words(datetime(2026, 12, 3, 17, 30, tzinfo=tz), tz) == ("2026年12月3日（星期四）17:30",
                                                                          "Thu 3 Dec 2026 17:30")


# ------------------------------------------------------------------ opening a link
def issued_token(site, login):
    [note] = [n for n in notes_of(site, login) if "/go/" in n["body"]][-1:]
    return note["body"].rsplit("/go/", 1)[1]


def test_the_recipient_opens_the_link_once_and_the_message_is_read_and_audited(site, apps):
    item = start(site)
    token = issued_token(site, "clerk")
    opened = links.open_link(site, token, "clerk")
    assert (opened.state, opened.item_id, opened.action, opened.may_see) == ("ok", item, "accept", True)
    assert all(n["read_at"] is not None for n in notes_of(site, "clerk"))
    with db.read(site.eng) as conn:
        kinds = [r.kind for r in conn.execute(sa.select(T_EVENT.c.kind).where(T_EVENT.c.instance_id == item))]
    assert "read" in kinds
    assert links.open_link(site, token, "clerk").state == "used"


def test_someone_elses_expired_or_unknown_link_changes_nothing(site, clock, apps):
    item = start(site)
    token = issued_token(site, "clerk")
    other = links.open_link(site, token, "hr.staff1")
    assert other.state == "other" and other.may_see is False  # hr staff do not see the office's new directive
    assert links.open_link(site, token, "leader").may_see is True
    assert links.open_link(site, "x" * 32, "clerk").state == "unknown"
    clock.advance(timedelta(hours=72, seconds=1))
    expired = links.open_link(site, token, "clerk")
    assert (expired.state, expired.item_id) == ("expired", item)
    assert all(n["read_at"] is None for n in notes_of(site, "clerk"))


# ------------------------------------------------------------------ DingTalk and WeCom
def test_dingtalk_work_notification_with_the_link_as_its_button(site, apps):
    person(site, "clerk", dingtalk_userid="manager4220", prefer="dingtalk")
    start(site)
    [row] = outbox_of(site, "clerk")
    assert row["channel"] == "dingtalk-user://manager4220" and row["link"].startswith(BASE + "/go/")
    assert dispatch(site).sent == [row["id"]]
    [send] = apps.sends
    assert send["path"] == DINGTALK_SEND and send["token"] in apps.tokens
    body = send["json"]
    assert (body["agent_id"], body["userid_list"], body["msg"]["msgtype"]) == (2901, "manager4220", "action_card")
    card = body["msg"]["action_card"]
    assert card["single_url"] == row["link"] and "【待办】" in card["title"] and "落实安全生产大检查" in card["markdown"]


def test_one_token_serves_several_sends(site, apps):
    person(site, "clerk", dingtalk_userid="manager4220", prefer="dingtalk")
    for _ in range(3):
        start(site)
    assert len(dispatch(site).sent) == 3
    assert apps.token_fetches == ["/gettoken"] and len(apps.sends) == 3


def test_an_error_code_in_a_200_answer_is_retried_with_backoff_then_taken(site, clock, apps):
    person(site, "clerk", dingtalk_userid="manager4220", prefer="dingtalk")
    start(site)
    apps.refuse.append((88, "ding talk error"))
    [rid] = dispatch(site).failed
    [row] = outbox_of(site, "clerk")
    assert row["state"] == "failed" and "88" in row["last_error"] and "ding-secret-1234" not in row["last_error"]
    assert dispatch(site).sent == []  # not due yet
    clock.advance(timedelta(seconds=31))
    assert dispatch(site).sent == [rid]
    assert len(apps.sends) == 2 and apps.token_fetches == ["/gettoken"]


def test_an_expired_token_is_fetched_again_and_the_send_goes_through(site, apps):
    person(site, "clerk", wecom_userid="ZhaoDuban", prefer="wecom")
    start(site)
    assert len(dispatch(site).sent) == 1
    apps.expire_tokens()
    start(site)
    assert len(dispatch(site).sent) == 1
    assert apps.token_fetches == ["/cgi-bin/gettoken", "/cgi-bin/gettoken"]
    codes = [s["token"] in apps.tokens for s in apps.sends]
    assert codes == [False, False, True]  # the first token, refused once expired, then the fresh one


def test_wecom_application_message_is_a_text_card_with_the_link(site, apps):
    person(site, "clerk", wecom_userid="ZhaoDuban", prefer="wecom")
    start(site)
    [row] = outbox_of(site, "clerk")
    dispatch(site)
    [send] = apps.sends
    body = send["json"]
    assert send["path"] == WECOM_SEND
    assert (body["touser"], body["agentid"], body["msgtype"]) == ("ZhaoDuban", 1000002, "textcard")
    assert body["textcard"]["url"] == row["link"] and body["textcard"]["btntxt"]


def test_a_person_without_a_dingtalk_id_is_reached_through_the_units_channel(site, apps):
    unit = site.org.people["clerk"].unit
    with db.write(site.eng) as conn:
        conn.execute(T_UNIT.update().where(T_UNIT.c.id == unit).values(channels=["json://127.0.0.1:9/office-group"]))
    person(site, "clerk", prefer="dingtalk", channels=["mailto://zhao@example.gov.cn"])
    start(site)
    [row] = outbox_of(site, "clerk")
    assert row["channel"] == "json://127.0.0.1:9/office-group"
    assert "没有钉钉用户 ID" in row["note"] and "unit's channel" in row["note"]


def test_in_app_only_sends_nothing_outside_and_mail_only_picks_the_mail_address(site, apps):
    person(site, "clerk", prefer="inapp", channels=["mailto://zhao@example.gov.cn", "json://127.0.0.1:9/me"])
    start(site)
    assert outbox_of(site, "clerk") == [] and len(notes_of(site, "clerk")) == 1
    person(site, "clerk", prefer="mail")
    start(site)
    assert [r["channel"] for r in outbox_of(site, "clerk")] == ["mailto://zhao@example.gov.cn"]
