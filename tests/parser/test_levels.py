"""The language of levels (督办级别): `when:` on a chase step and on an escalation, `remind_every`, a field's
`default_from`, and the `lights:` thresholds — each problem reported with its file:line."""
from __future__ import annotations

import pytest

from engine.core import timers
from engine.core.states import DefinitionError
from engine.parser.loader import parse_definition

HEAD = """id: levels
version: 1
title: {zh: 测试, en: Test}
serial: {prefix: 测}
fields:
  title: {type: text, required: true}
  priority: {type: enum, values: [normal, urgent], default: normal}
  level:
    type: enum
    values: [normal, key, flagged]
    default: normal
    default_from: {field: FROM, map: {urgent: LEVEL}}
start: register
steps:
  register:
    kind: task
    title: {zh: 登记, en: Register}
    actor: role:clerk
    deadline: 5 working days
    next: done
  done:
    kind: end
    title: {zh: 完成, en: Done}
"""
FLAGGED = """  flagged:
    kind: chase
    title: {zh: 挂牌督办催办, en: Flagged}
    when: WHEN
    attach_to: [register]
    remind_before: 3 working days
    remind_every: 1 working day
    escalate:
      - {after_overdue: 0 working days, to: role:leader, card: yellow, when: ESC}
"""
PLAIN = """  plain:
    kind: chase
    title: {zh: 催办, en: Chase}
    attach_to: [register]
    every_overdue: 1 working day
"""


def text(*, when="subject.level == 'flagged'", esc="subject.priority == 'urgent'", first=FLAGGED, then=PLAIN,
         src="priority", level="key", tail="") -> str:
    body = HEAD.replace("FROM", src).replace("LEVEL", level) + first + then + tail
    return body.replace("WHEN", when).replace("ESC", esc)


def line_of(yaml_text: str, words: str) -> int:
    return next(i for i, x in enumerate(yaml_text.splitlines(), 1) if words in x)


def problems(yaml_text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        parse_definition(yaml_text, "levels.yaml")
    return caught.value.problems


def test_the_first_chase_rule_set_whose_when_holds_applies():
    d = parse_definition(text(), "levels.yaml")
    assert d.chase_rules_for("register", {"level": "flagged"}).when == "subject.level == 'flagged'"
    assert d.chase_rules_for("register", {"level": "normal"}).when is None
    assert d.chase_rules_for("register").when is None  # no subject: only a rule set without `when` applies


def test_an_escalation_applies_only_where_its_when_holds():
    d = parse_definition(text(), "levels.yaml")
    rules = d.chase_rules_for("register", {"level": "flagged"})
    assert [i for i, _ in rules.escalations({"level": "flagged", "priority": "urgent"})] == [0]
    assert rules.escalations({"level": "flagged", "priority": "normal"}) == []


def test_a_chase_when_reads_only_the_subject():
    got = problems(text(when="assignment.lead == 'hr'"))
    line = line_of(text(when="assignment.lead == 'hr'"), "when: assignment")
    assert len(got) == 1 and got[0].startswith(f"levels.yaml:{line}: ")
    assert "unknown name 'assignment'" in got[0] and "reads only `subject`" in got[0]


def test_an_escalation_when_that_calls_a_method_is_refused_at_its_line():
    got = problems(text(esc="subject.clear()"))
    line = line_of(text(esc="subject.clear()"), "when: subject.clear()")
    assert len(got) == 1 and got[0].startswith(f"levels.yaml:{line}: ") and "method call .clear()" in got[0]


def test_a_rule_set_after_one_without_when_would_never_apply():
    got = problems(text(first=PLAIN, then=FLAGGED))
    assert len(got) == 1 and "chase step 'flagged' never applies to 'register'" in got[0]
    assert "put the one with `when` first" in got[0]


def test_default_from_names_another_field_and_maps_to_its_values():
    got = problems(text(src="urgency"))
    assert len(got) == 1 and got[0].startswith(f"levels.yaml:{line_of(text(src='urgency'), 'default_from')}: ")
    assert "takes its default from 'urgency', which is not another field" in got[0]
    got = problems(text(level="top"))
    assert len(got) == 1 and "'urgent' maps to 'top', which is not one of `values`" in got[0]


def test_remind_every_needs_remind_before():
    got = problems(text(first=FLAGGED.replace("    remind_before: 3 working days\n", "")))
    assert len(got) == 1 and "`remind_every` repeats the reminder that `remind_before` starts" in got[0]


def test_lights_thresholds_are_read_and_checked():
    d = parse_definition(text(tail="lights: {yellow_within: 3 working days, behind_plan_margin: 30}\n"), "l.yaml")
    assert str(d.lights.yellow_within) == "3 working days" and d.lights.behind_plan_margin == 30
    got = problems(text(tail="lights: {yellow_within: 3 working days, behind_plan_margin: 130}\n"))
    assert len(got) == 1 and "behind_plan_margin" in got[0]


def test_the_shipped_directive_reminds_a_flagged_item_daily_and_escalates_at_the_due_time(tmp_path):
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from engine.core.calendar import CalendarSettings, WorkCalendar
    from engine.parser.calendar_file import load_overrides_yaml
    defs = Path(__file__).resolve().parents[2] / "definitions"
    d = parse_definition((defs / "directive.yaml").read_text(encoding="utf-8"), "directive.yaml")
    cal = WorkCalendar(load_overrides_yaml(defs / "calendar.yaml"), CalendarSettings())
    sh = ZoneInfo("Asia/Shanghai")
    due, now = datetime(2026, 3, 20, 18, 0, tzinfo=sh), datetime(2026, 3, 3, 10, 0, tzinfo=sh)
    subject = {"level": "flagged", "leader": "leader"}
    got = [(s.kind, s.seq, s.fire_at.strftime("%m-%d %H:%M"), s.payload.get("to"))
           for s in timers.schedule(d.chase_rules_for("handle", subject), due, now, cal, subject=subject)]
    assert got == [("remind", 0, "03-17 09:00", None), ("remind", 1, "03-18 09:00", None),
                   ("remind", 2, "03-19 09:00", None), ("remind", 3, "03-20 09:00", None),
                   ("due", 0, "03-20 18:00", None), ("chase", 1, "03-23 18:00", None),
                   ("escalate", 0, "03-20 18:00", "subject.leader"), ("escalate", 2, "03-25 18:00", "role:leader")]
    normal = timers.schedule(d.chase_rules_for("handle", {"level": "normal"}), due, now, cal)
    assert [s.kind for s in normal] == ["remind", "due", "chase", "escalate", "escalate"]
    assert normal[-2].fire_at.strftime("%m-%d") == "03-25"  # a normal item's first card: 3 working days overdue
