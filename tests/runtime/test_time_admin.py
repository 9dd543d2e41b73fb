"""Calendar overrides as data, definition versions pinned by running items, and the dry-run simulator."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from engine.runtime.boot import register_definitions
from engine.runtime.calendar_admin import set_override, show, unset_override
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
    changed.write_text(changed.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1), encoding="utf-8")
    assert register_definitions(site, [changed]) == ["directive@2"]
    new = office.issue_directive()
    assert office.view(old)["definition_version"] == 1
    assert office.view(new)["definition_version"] == 2
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
