"""A definition's `trigger:` (recurring items): the shipped monthly report reads, `on:` is the day (not YAML's
True), and a bad schedule, day or template is named with its file:line."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.states import DefinitionError
from engine.parser.definition import parse_definition

MONTHLY = (Path(__file__).resolve().parents[2] / "definitions" / "monthly_report.yaml").read_text(encoding="utf-8")


def test_the_shipped_monthly_report_starts_on_the_5th_working_day():
    t = parse_definition(MONTHLY, "monthly_report.yaml").trigger
    assert (t.schedule, t.on, t.at, t.period) == ("monthly", "5th working day", "09:00", "previous")
    assert t.subject["title"] == "{period_zh}工作总结报送" and t.subject["lead_unit"] == "office"


@pytest.mark.parametrize("old,new,words", [
    ("on: 5th working day", "on: every second tuesday", "yaml:11: on: 'every second tuesday' is not understood"),
    ("schedule: monthly", "schedule: fortnightly", "yaml:10: "),
    ('title: "{period_zh}工作总结报送"', 'title: "{month_name}工作总结报送"', "{month_name} is not a template name"),
    ("    period: \"{period}\"", "    reporter: office", "trigger.subject names reporter, not fields of this definition"),
    ('at: "09:00"', 'at: "9 am"', "at: '9 am' must be HH:MM"),
])
def test_a_bad_trigger_is_named_with_its_line(old, new, words):
    assert old in MONTHLY
    with pytest.raises(DefinitionError) as e:
        parse_definition(MONTHLY.replace(old, new), "monthly_report.yaml")
    assert any(words in p for p in e.value.problems), e.value.problems
