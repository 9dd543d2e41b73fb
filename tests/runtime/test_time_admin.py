"""Calendar overrides as data, definition versions pinned by running items, and the dry-run simulator; due dates
on a day off (顺延), years nobody entered, and the drill clock (a chosen start, kept across restarts, never used to
sign bot requests)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import hash_password
from engine.runtime.drill import DrillStartRefused, start_drill
from api.pages.issue import workdays_note
from api.server import calendar_warning
from engine.clock import ManualClock, SystemClock
from engine.reads import items as queries
from engine.runtime.boot import demo_org_path, load_org_file, open_site, register_definitions
from engine.runtime.outbox import dispatch
from engine.runtime.site import Site
from engine.store import db
from engine.store.tables import Person
from engine.cli.calendar import show
from engine.runtime.calendar_admin import set_override, unset_override
from engine.cli.simulate import simulate_text
from engine.core.states import DubanError

from tests.support.clock import at

ROOT = Path(__file__).resolve().parents[2]


def test_a_local_day_off_moves_due_times_and_unset_restores_them(site, clock):
    clock.set(at("2027-03-01 10:00"))  # 2027: the libraries do not know it yet
    assert site.cal.add_working_days(clock.now(), 1) == at("2027-03-02 18:00")
    set_override(site, date(2027, 3, 2), False, "本地停电 local power cut")
    assert site.cal.add_working_days(clock.now(), 1) == at("2027-03-03 18:00")
    assert "本地停电" in show(site, 2027)
    assert unset_override(site, date(2027, 3, 2))
    assert site.cal.add_working_days(clock.now(), 1) == at("2027-03-02 18:00")


def test_the_shipped_calendar_yaml_is_read(site):
    assert site.cal.is_working_day(date(2027, 1, 1)) is False  # 元旦 2027, from definitions/calendar.yaml


def test_running_items_keep_their_definition_version(office, site, tmp_path):
    old = office.issue_directive()
    text = (ROOT / "definitions" / "directive.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "directive.yaml"
    changed.write_text(text.replace("title: {zh: 审核, en: Verify}", "title: {zh: 核查, en: Check}"), encoding="utf-8")
    try:
        register_definitions(site, [changed])
        raise AssertionError("a changed definition under the same version must be refused")
    except DubanError as e:
        assert "raise `version`" in e.en
    changed.write_text(changed.read_text(encoding="utf-8").replace("version: 2", "version: 3", 1), encoding="utf-8")
    assert register_definitions(site, [changed]) == ["directive@3"]
    new = office.issue_directive()
    assert office.view(old)["definition_version"] == 2
    assert office.view(new)["definition_version"] == 3
    for item in (old, new):
        office.register_and_assign(item)
        office.do("finance.head", item, "handle", "accept", on="finance")
        for unit in ("hr", "it"):
            office.do(f"{unit}.head", item, "handle", "accept", on=unit)
            office.do(f"{unit}.head", item, "handle", "complete", on=unit, opinion="同意")
        office.do("finance.head", item, "handle", "complete", on="finance", report="完成")
    assert office.view(old)["current_step_title"] == "审核"
    assert office.view(new)["current_step_title"] == "核查"


def test_simulate_prints_the_dated_chases_and_cards_before_deployment():
    out = simulate_text(str(ROOT / "definitions" / "directive.yaml"), scenario="late", start="2026-09-21T09:00")
    # 2 working days before Mon 12 Oct: Sat 10 Oct (调休, day 1), Fri 9 Oct (day 2), at the opening of office
    assert "2026-10-09 09:00  人力资源部：到期提醒（2026-10-12 18:00 到期）" in out
    assert "2026-10-12 18:00  人力资源部：到期通知" in out
    assert "2026-10-15 18:00  人力资源部：超期 3 个工作日，亮黄牌，升级至办公室主任" in out
    assert "2026-10-19 18:00  人力资源部：超期 5 个工作日，亮红牌，升级至领导" in out


def test_duban_demo_prints_a_timeline_per_item():
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    out = subprocess.run([sys.executable, "-m", "engine.cli", "demo"], capture_output=True, text=True, env=env,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "督〔2026〕2号 《客户投诉热线升级改造》 — 已办结 Completed" in out.stdout
    assert "亮红牌，升级至领导" in out.stdout
    assert "收〔2026〕1号 《关于开展数据安全检查的通知》 — 已归档 Archived" in out.stdout


# -- promise 2: a due date on a day off moves to the next working day ----------------------------------------


def test_a_due_date_on_a_day_off_becomes_the_next_working_day(office, site):
    item = office.issue_directive(due="2026-03-21")  # a Saturday
    office.register_and_assign(item)
    [lead] = [t for t in office.tasks(item, "handle") if t["part"] == "lead"]
    assert lead["due_at"] == at("2026-03-23 18:00")  # Monday, close of office
    note = workdays_note(site, "2026-03-21", "en")
    assert note["due_day"] == "2026-03-23" and "moves to 2026-03-23 (Mon)" in note["text"]
    assert "顺延至 2026-03-23（周一）" in workdays_note(site, "2026-03-21", "zh")["text"]
    assert "moves to" not in workdays_note(site, "2026-03-20", "en")["text"]


def test_a_site_may_keep_due_dates_as_written(monkeypatch, database_url, clock):
    monkeypatch.setenv("DUBAN_DUE_ON_DAY_OFF", "keep")
    kept = open_site(database_url, clock, migrate=False)
    try:
        assert kept.cal.due_on_date(date(2026, 3, 21)) == at("2026-03-21 18:00")
        assert "moves to" not in workdays_note(kept, "2026-03-21", "en")["text"]
    finally:
        kept.eng.dispose()


# -- promise 3: an unknown year is said to be unknown ----------------------------------------------------------


def test_one_override_row_does_not_make_2027_known(site, clock):
    assert not site.cal.year_known(2027)  # definitions/calendar.yaml lists only 元旦 2027
    assert "法定节假日未知" in show(site, 2027) and "法定节假日已知" in show(site, 2026)
    assert calendar_warning(site) is None  # 2026-03-02: the next 90 days are all in 2026
    clock.set(at("2026-11-20 09:00"))
    assert "2027" in calendar_warning(site)
    note = workdays_note(site, "2027-02-10", "en")
    assert "statutory holidays of 2027 are not known" in note["text"] and note["year_known"] is False


def test_a_year_the_calendar_file_declares_complete_is_known(database_url, clock, tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("years: {2027: complete}\noverrides:\n  - {date: 2027-01-01, working: false}\n", encoding="utf-8")
    entered = Site(db.make_engine(database_url), clock, calendar_yaml=path)
    try:
        clock.set(at("2026-11-20 09:00"))
        assert entered.cal.year_known(2027) and calendar_warning(entered) is None
        assert "法定节假日已知" in show(entered, 2027)
    finally:
        entered.eng.dispose()


def test_the_new_item_page_says_which_years_are_unknown(site, clock):
    load_org_file(site, demo_org_path(), password_hash=hash_password("pw-123456"))
    http = TestClient(create_app(site, simulated_clock=True), follow_redirects=False)  # sessions on real time
    r = http.get("/login")
    r = http.post("/login", data={"username": "leader", "password": "pw-123456", "csrf": csrf_of(r.text),
                                  "next": "/tasks"})
    assert r.status_code == 303
    assert "data-unknown-years" not in http.get("/new/directive").text
    clock.set(at("2026-11-20 09:00"))
    page = http.get("/new/directive").text
    assert "data-unknown-years" in page and "2027 年的法定节假日尚未收录" in page


# -- promise 4: a drill starts on a chosen day, survives restarts, and bots sign with real time ---------------


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def drill_site(database_url):
    return open_site(database_url, ManualClock(SystemClock().now()), migrate=False)


def test_a_drill_starts_on_the_chosen_day_and_a_restart_continues_from_it(database_url):
    start = datetime.fromisoformat("2026-02-12T09:00:00+08:00")
    first = drill_site(database_url)
    try:
        load_org_file(first, demo_org_path())
        assert "2026-02-12 09:00" in start_drill(first, start)
        assert first.clock.now() == start
        item = first.start("directive", {"title": "演练", "instruction": "演练", "leader": "leader",
                                         "lead_unit": "finance", "co_units": [], "due": "2026-02-27"}, "leader")
        first.clock.advance(timedelta(days=3))
    finally:
        first.eng.dispose()
    again = drill_site(database_url)  # the restart: no START, or the same START again
    try:
        assert "continues" in start_drill(again, start)
        assert again.clock.now() == start + timedelta(days=3)
        assert queries.item_view(again, item, None, "zh")["created_at"] == start
        again.clock.set(start + timedelta(days=5))
    finally:
        again.eng.dispose()
    third = drill_site(database_url)
    try:
        start_drill(third)
        assert third.clock.now() == start + timedelta(days=5)
    finally:
        third.eng.dispose()


def test_a_chosen_start_needs_a_fresh_database(office, site, database_url):
    office.issue_directive()  # items made on an ordinary clock
    drill = drill_site(database_url)
    try:
        with pytest.raises(DrillStartRefused, match="needs a fresh database"):
            start_drill(drill, datetime.fromisoformat("2026-02-12T09:00:00+08:00"))
    finally:
        drill.eng.dispose()


def test_the_serve_command_takes_a_drill_start():
    from engine.cli.serve import drill_start

    assert drill_start("2026-02-12T09:00:00+08:00") == datetime.fromisoformat("2026-02-12T09:00:00+08:00")
    r = subprocess.run([sys.executable, "-m", "engine.cli.main", "serve", "--simulated-clock", "2026-02-12"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "needs its zone" in r.stderr


def test_bots_sign_with_the_real_clock_never_the_drill_clock(site, clock, monkeypatch):
    from tests.runtime.test_notify import Hook

    hook = Hook()
    try:
        monkeypatch.setenv("DUBAN_BOT_BASE_URL", hook.base)
        with db.write(site.eng) as conn:
            conn.execute(Person.__table__.update().where(Person.__table__.c.login == "clerk")
                         .values(channels=["dingtalk://mysecret@abcdef0123456789/"]))
        site.reload()
        clock.set(at("2030-06-03 09:00"))  # the drill is years away from today
        site.start("directive", {"title": "演练", "instruction": "演练", "leader": "leader", "lead_unit": "finance",
                                 "co_units": [], "due": "2030-06-28"}, "leader")
        assert dispatch(site).sent
        [req] = [r for r in hook.requests if r["path"] == "/robot/send"]
        signed_at = int(req["query"]["timestamp"][0]) / 1000
        assert abs(signed_at - SystemClock().now().timestamp()) < 300
    finally:
        hook.server.shutdown()
        hook.server.server_close()
