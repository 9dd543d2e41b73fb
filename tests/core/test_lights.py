"""The light (亮灯) of an open item, pure: every branch of the rule, with the shipped calendar and thresholds."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from engine.core.calendar import CalendarSettings, WorkCalendar
from engine.core.dsl import LightRules
from engine.core.lights import Facts, Light, behind_plan, label, light, shown
from engine.parser.calendar_file import load_overrides_yaml
from engine.parser.loader import parse_definition

DEFS = Path(__file__).resolve().parents[2] / "definitions"
SH = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 3, 20, 18, 0, tzinfo=SH)  # a Friday, at the close of office
START = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # a Monday: the item's time runs 18 days
RULES = LightRules()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar(load_overrides_yaml(DEFS / "calendar.yaml"), CalendarSettings())


def facts(**kw) -> Facts:
    return Facts(**({"overdue": False, "due_at": DUE, "started_at": START, "progress": None} | kw))


def test_an_overdue_item_is_red_and_says_by_how_many_working_days(cal):
    colour, why = light(facts(overdue=True, progress=90), at("2026-03-24 10:00"), RULES, cal)
    assert colour == Light.red and why.code == "overdue"
    assert why.zh == "已超期 2 个工作日" and why.en == "overdue by 2 working days"  # Mon 23 and Tue 24


def test_two_working_days_before_due_the_light_turns_yellow_not_before(cal):
    on_track = facts(progress=85)
    assert light(on_track, at("2026-03-17 17:00"), RULES, cal)[0] == Light.green  # Tuesday
    colour, why = light(on_track, at("2026-03-18 09:30"), RULES, cal)  # Wednesday opening: 2 working days before
    assert colour == Light.yellow and why.code == "due_soon" and why.zh == "距办理时限还有 2 个工作日"


def test_yellow_within_is_read_from_the_thresholds(cal):
    wide = LightRules.model_validate({"yellow_within": "5 working days"})
    assert light(facts(progress=50), at("2026-03-13 10:00"), wide, cal)[0] == Light.yellow
    assert light(facts(progress=50), at("2026-03-13 10:00"), RULES, cal)[0] == Light.green


def test_a_missed_milestone_turns_the_light_yellow_and_names_it(cal):
    colour, why = light(facts(progress=40, missed_milestone="完成现场检查"), at("2026-03-10 10:00"), RULES, cal)
    assert colour == Light.yellow and why.code == "milestone_missed" and "完成现场检查" in why.zh


def test_a_missed_report_window_turns_the_light_yellow_and_names_the_day(cal):
    colour, why = light(facts(progress=40, missed_report=date(2026, 3, 6)), at("2026-03-10 10:00"), RULES, cal)
    assert colour == Light.yellow and why.code == "report_missed" and "2026-03-06" in why.zh


def test_progress_behind_the_time_passed_by_more_than_the_margin_is_yellow(cal):
    now = at("2026-03-11 09:00")  # 216 of the 441 hours passed: 49 %
    assert behind_plan(facts(progress=25), now) == pytest.approx(216 / 441 * 100 - 25)
    colour, why = light(facts(progress=25), now, RULES, cal)
    assert colour == Light.yellow and why.code == "behind_plan" and "25%" in why.zh
    assert light(facts(progress=35), now, RULES, cal)[0] == Light.green  # 15 points behind: within the margin
    strict = LightRules(behind_plan_margin=10)
    assert light(facts(progress=35), now, strict, cal)[0] == Light.yellow


def test_nothing_reported_counts_as_no_progress(cal):
    assert light(facts(progress=None), at("2026-03-04 09:00"), RULES, cal)[0] == Light.green  # 11 % passed
    assert light(facts(progress=None), at("2026-03-09 09:00"), RULES, cal)[0] == Light.yellow  # 39 % passed


def test_an_item_without_due_date_is_green_and_says_why(cal):
    colour, why = light(facts(due_at=None), at("2026-03-30 10:00"), RULES, cal)
    assert colour == Light.green and why.code == "no_due"


def test_an_item_on_track_is_green_and_the_texts_name_the_colour(cal):
    colour, why = light(facts(progress=60), at("2026-03-11 09:00"), RULES, cal)
    assert colour == Light.green and why.code == "on_track"
    assert label(colour) == "绿灯" and label("red", "en") == "Red"
    assert shown(colour, why) == "绿灯（正常推进）" and shown(colour, why, "en") == "Green (on track)"


def test_the_shipped_directive_carries_its_thresholds():
    d = parse_definition((DEFS / "directive.yaml").read_text(encoding="utf-8"), "directive.yaml")
    assert d.lights.yellow_within.amount == 2 and d.lights.yellow_within.unit == "working_days"
    assert d.lights.behind_plan_margin == 20
