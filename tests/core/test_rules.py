"""Rules written once in the core, without a database: "overdue" (a task's, an item's, and the working days past
due), and the actor grammar that both the parser and the resolver read."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.core.org import ActorExpr, Holder, parse_actor, resolve
from engine.core.states import ItemState, Part, TaskKind, TaskState, is_overdue, item_overdue, overdue_days
from engine.parser.actors import check_actor

from tests.core.builders import NOW, ctx, org, shipped, task

HOUR = timedelta(hours=1)


@pytest.mark.parametrize("state,due,expected", [
    (TaskState.active, NOW - HOUR, True), (TaskState.pending, NOW - HOUR, True),
    (TaskState.active, NOW, False),                      # due now is not yet late
    (TaskState.active, NOW + HOUR, False), (TaskState.active, None, False),
    (TaskState.done, NOW - HOUR, False), (TaskState.transferred, NOW - HOUR, False),
    ("active", NOW - HOUR, True),                        # a row's plain text state reads the same
])
def test_a_task_is_overdue_while_open_and_past_its_due_time(state, due, expected):
    assert is_overdue(state, due, NOW) is expected


def test_an_item_is_overdue_when_running_with_an_open_work_task_past_due():
    late = task("handle", Holder(unit="finance"), due_at=NOW - HOUR, part=Part.lead)
    ext = task("handle", Holder(role="office_director"), id=2, kind=TaskKind.extension, due_at=NOW - HOUR)
    assert item_overdue(ItemState.running, [late], NOW)
    assert item_overdue("running", [late], NOW)
    assert not item_overdue(ItemState.completed, [late], NOW)
    assert not item_overdue(ItemState.running, [ext], NOW)  # an extension request's own time does not count


def test_working_days_past_due_skip_the_weekend():
    cal = ctx().cal
    friday = NOW - timedelta(days=4)   # Friday 2026-03-06, 10:00
    assert overdue_days(friday, NOW, cal) == 2  # Monday and Tuesday
    assert overdue_days(NOW + HOUR, NOW, cal) == 0 and overdue_days(None, NOW, cal) == 0


# ------------------------------------------------------------------ the actor grammar
@pytest.mark.parametrize("text,parsed", [
    ("role:clerk", ActorExpr("role", "clerk")), ("unit:finance", ActorExpr("unit", "finance")),
    ("unit:finance/head", ActorExpr("unit", "finance", True)), ("person:hr.staff1", ActorExpr("person", "hr.staff1")),
    ("initiator", ActorExpr("initiator")), ("initiator.unit_head", ActorExpr("initiator.unit_head")),
    ("assignment.lead", ActorExpr("assignment.lead")), ("assignment.co", ActorExpr("assignment.co")),
    ("subject.lead_unit", ActorExpr("subject", "lead_unit")),
    ("subject.co_units.head", ActorExpr("subject", "co_units", True)),
])
def test_the_one_actor_grammar(text, parsed):
    assert parse_actor(text) == parsed


@pytest.mark.parametrize("text,message", [
    ("role:boss", "unknown role 'boss'"), ("clerk", "actor 'clerk' is not understood"),
    ("unit:1st", "is not understood"), ("unit:Finance", "is not understood"), ("person:a b", "is not understood"),
    ("subject.", "is not understood"),
])
def test_what_the_grammar_refuses_the_parser_and_the_resolver_both_refuse(text, message):
    with pytest.raises(ValueError, match=message):
        parse_actor(text)
    with pytest.raises(ValueError, match=message):
        resolve(text, org=org(), subject={}, assignment={}, initiator=None)
    assert message in check_actor(text, shipped("directive"))


def test_the_parser_checks_subject_actors_against_the_fields():
    d = shipped("directive")
    assert check_actor("subject.lead_unit", d) is None
    assert check_actor("subject.nosuch", d) == "actor 'subject.nosuch' names no field of the subject"
    assert "is date, not a unit or a person" in check_actor("subject.due", d)


def test_resolving_each_form():
    o = org()
    kw = {"org": o, "subject": {"lead_unit": "hr", "co_units": ["finance"], "leader": "leader"},
          "assignment": {"lead": {"unit": "finance"}, "co": ["hr"]}, "initiator": "finance.staff1"}
    assert resolve("unit:finance/head", **kw) == [Holder(person="finance.head")]
    assert resolve("unit:finance", **kw) == [Holder(unit="finance")]
    assert resolve("initiator.unit_head", **kw) == [Holder(person="finance.head")]
    assert resolve("assignment.co", **kw) == [Holder(unit="hr")]
    assert resolve("subject.co_units.head", **kw) == [Holder(person="finance.head")]
    assert resolve("subject.leader", **kw) == [Holder(person="leader")]
    assert resolve("role:clerk", **kw) == [Holder(role="clerk")]
