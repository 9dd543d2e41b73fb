"""More administrative changes in the trail (invariant 9): the drill clock's start and every move (who moved it,
from when to when), a new or changed calendar file found at start-up, and sign-ins refused before any counting
(an over-long login is recorded as a security event by its length only, never its text)."""
from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from engine.clock import ManualClock, SystemClock
from engine.reads.lists import audit_events
from engine.runtime.boot import demo_org_path, load_org_file, note_calendar_file, open_site
from engine.runtime.drill import move_clock, start_drill
from engine.store import audit
from tests.support.office import CHEAP_HASH, PASSWORD, V1


def events(site, kind: str) -> list[dict]:
    return [e for e in audit_events(site, login="admin", lang="en")["events"] if e["kind"] == kind]


def test_the_drill_clock_start_and_each_move_are_audited_with_who_moved_it(database_url):
    drill = open_site(database_url, ManualClock(SystemClock().now()), migrate=False)
    try:
        load_org_file(drill, demo_org_path())
        start = datetime.fromisoformat("2026-02-12T09:00:00+08:00")
        start_drill(drill, start)
        move_clock(drill, login="admin", advance="P3D", to=None)
        move_clock(drill, login="admin", advance=None, to=datetime.fromisoformat("2026-02-20T09:00:00+08:00"))
        drill.clock.advance(timedelta(hours=1))  # a move made by the process itself is recorded too
        got = events(drill, "drill_clock")
        assert [(e["actor"], e["data"]["event"]) for e in got] == [
            (None, "start"), ("admin", "move"), ("admin", "move"), (None, "move")]
        assert got[0]["text"] == "drill clock started at 2026-02-12 09:00 +0800 (a new drill)"
        assert got[1]["text"] == "drill clock moved from 2026-02-12 09:00 +0800 to 2026-02-15 09:00 +0800"
        assert datetime.fromisoformat(got[2]["data"]["from"]) == start + timedelta(days=3)
        assert datetime.fromisoformat(got[2]["data"]["to"]) == datetime.fromisoformat("2026-02-20T09:00:00+08:00")
        assert got[3]["text"].endswith("(by the process)")
        assert audit.verify(drill.eng).ok
    finally:
        drill.eng.dispose()


def test_a_refused_clock_move_changes_nothing_and_records_nothing(site):
    start_drill(site, None)
    before = len(events(site, "drill_clock"))
    for bad in ({"advance": "three days", "to": None}, {"advance": None,
                                                        "to": site.clock.now() - timedelta(days=1)}):
        try:
            move_clock(site, login="admin", **bad)
        except Exception:  # noqa: BLE001  (an InputError, shown to the administrator)
            pass
    assert len(events(site, "drill_clock")) == before


def test_a_new_or_changed_calendar_file_is_audited_once_at_start(site, tmp_path):
    shipped = events(site, "calendar_file")
    assert [(e["data"]["file"], e["data"]["previous"]) for e in shipped] == [("calendar.yaml", None)]
    assert note_calendar_file(site) is False  # the same file: nothing new
    own = tmp_path / "calendar.yaml"
    own.write_text(site.calendar_yaml.read_text(encoding="utf-8") + "\n# 本单位：2027-03-02 停电检修\n", encoding="utf-8")
    site.calendar_yaml = own
    assert note_calendar_file(site) is True and note_calendar_file(site) is False
    changed = events(site, "calendar_file")[-1]
    assert changed["text"] == "the calendar file changed: calendar.yaml"
    assert changed["data"]["previous"] == shipped[0]["data"]["sha256"] != changed["data"]["sha256"]
    own.unlink()
    assert note_calendar_file(site) is True
    assert events(site, "calendar_file")[-1]["data"]["sha256"] is None


def test_sign_ins_refused_before_counting_are_security_events_without_the_text(site):
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    client = TestClient(create_app(site))
    long_login = "clerk" + "很长的输入" * 200
    for login, password in ((long_login, "x"), ("clerk\x00", "x"), ("clerk", "p" * 5000)):
        r = client.post(f"{V1}/auth/token", data={"username": login, "password": password})
        assert r.status_code == 401
    got = events(site, "sign_in_refused")
    assert [(e["actor"], e["data"]["login_length"], e["data"]["nul"]) for e in got] == [
        (None, len(long_login), False), (None, 6, True), ("clerk", 5, False)]
    assert got[2]["data"]["password_length"] == 5000 and got[2]["text"] == "clerk sign-in refused: password too long"
    assert got[0]["text"] == "(login not recorded) sign-in refused: login empty, too long or with a NUL character"
    assert "很长的输入" not in repr(got) and "ppppp" not in repr(got)
    # refused before counting: the clerk is not closer to a lock-out
    assert client.post(f"{V1}/auth/token", data={"username": "clerk", "password": PASSWORD}).status_code == 200
