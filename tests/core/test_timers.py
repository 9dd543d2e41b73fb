"""The timers, pure and without a database: what a task's chase rules arm, which due timers still apply after a
jump of the clock, and what each fired kind does, as effects (the shipped directive's rules, the demo office)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from engine.core import timers
from engine.core.calendar import CalendarSettings, WorkCalendar
from engine.parser.calendar_file import load_overrides_yaml
from engine.core.machine import Ctx
from engine.core.model import ArmTimer, Event, ItemSnap, NewTask, Notify, TaskSnap, UpdateItem, UpdateTask
from engine.core.org import Holder, org_from_data
from engine.core.states import Card, ItemState, Part, TaskKind, TaskState
from engine.parser.loader import parse_definition

DEFS = Path(__file__).resolve().parents[2] / "definitions"
SH = ZoneInfo("Asia/Shanghai")
DUE = datetime(2026, 3, 20, 18, 0, tzinfo=SH)  # a Friday, at the close of office


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


@pytest.fixture(scope="module")
def directive():
    return parse_definition((DEFS / "directive.yaml").read_text(encoding="utf-8"), "directive.yaml")


@pytest.fixture(scope="module")
def org():
    return org_from_data(yaml.safe_load((DEFS / "org.demo.yaml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def cal():
    return WorkCalendar(load_overrides_yaml(DEFS / "calendar.yaml"), CalendarSettings())


def ctx(org, cal, now):
    return Ctx(org=org, cal=cal, now=at(now))


def task(id=7, *, chase_count=0, card=Card.none, state=TaskState.active, unit="finance", part=Part.lead):
    return TaskSnap(id=id, step="handle", kind=TaskKind.work, part=part, holder=Holder(unit=unit), state=state,
                    due_at=DUE, created_at=at("2026-03-03 10:00"), chase_count=chase_count, card=card)


def item(directive, *tasks, card=Card.none):
    return ItemSnap(id=3, definition=directive, subject={"title": "落实安全生产大检查"}, state=ItemState.running,
                    assignment={"lead": {"unit": "finance"}, "co": [], "due": "2026-03-20"}, initiator="leader",
                    current_step="handle", tasks=list(tasks), title="落实安全生产大检查", card=card)


@dataclass
class Due:
    """A claimed timer row, as the sweep hands it to the core."""

    kind: str
    seq: int = 0
    fire_at: datetime = DUE
    payload: dict = field(default_factory=dict)
    task_id: int = 7
    id: int = 1


# ---------------------------------------------------------------- schedules

def test_a_task_given_before_its_due_time_gets_the_whole_schedule(directive, cal):
    rules = directive.chase_rules_for("handle")
    got = [(s.kind, s.seq, s.fire_at) for s in timers.schedule(rules, DUE, at("2026-03-03 10:00"), cal)]
    assert got == [("remind", 0, at("2026-03-18 09:00")), ("due", 0, DUE), ("chase", 1, at("2026-03-23 18:00")),
                   ("escalate", 0, at("2026-03-25 18:00")), ("escalate", 1, at("2026-03-27 18:00"))]


def test_a_task_given_after_its_due_time_continues_the_chase_chain(directive, cal):
    rules = directive.chase_rules_for("handle")
    got = timers.schedule(rules, DUE, at("2026-03-24 10:00"), cal, chased=1)
    # the next occurrence after now, numbered after the step's one chase; the cards still ahead stay
    assert [(s.kind, s.seq, s.fire_at) for s in got] == [
        ("chase", 2, at("2026-03-24 18:00")), ("escalate", 0, at("2026-03-25 18:00")),
        ("escalate", 1, at("2026-03-27 18:00"))]


def test_max_chases_counts_per_step(directive, cal):
    rules = directive.chase_rules_for("handle")
    assert [s.kind for s in timers.schedule(rules, DUE, at("2026-04-20 10:00"), cal, chased=10)] == []
    assert [s.seq for s in timers.schedule(rules, DUE, at("2026-04-20 10:00"), cal, chased=9)] == [10]


def test_a_new_task_counts_the_chases_its_step_already_had(directive, org, cal):
    rework_of = task(5, chase_count=4, state=TaskState.done)
    armed = timers.arm_task(item(directive, rework_of), 8, "handle", DUE, ctx(org, cal, "2026-03-30 09:00"))
    assert armed == [ArmTimer(8, "chase", 5, at("2026-03-30 18:00"), DUE, {"n": 5})]
    assert armed[0].key == f"8:chase:5:{int(DUE.timestamp())}"


def test_a_window_task_gets_one_closing_timer(directive, org, cal):
    armed = timers.arm_task(item(directive), 9, "handle", DUE, ctx(org, cal, "2026-03-02 10:00"),
                            data={"purpose": "window"})
    assert [(a.kind, a.fire_at, a.payload.get("window")) for a in armed] == [("timeout", DUE, True)]


# ---------------------------------------------------------------- which due timers apply

def test_after_a_jump_only_the_newest_notice_and_the_highest_card_go_out():
    t = task()
    due = [Due("remind", 0, at("2026-03-18 09:00"), id=1), Due("due", 0, DUE, id=2),
           Due("chase", 1, at("2026-03-23 18:00"), id=3), Due("escalate", 0, at("2026-03-25 18:00"), id=4),
           Due("escalate", 1, at("2026-03-27 18:00"), id=5), Due("timeout", 0, at("2026-03-27 18:00"), id=6),
           Due("remind", 0, at("2026-03-18 09:00"), task_id=8, id=7)]
    keep, stale = timers.current(due, {7: t, 8: replace(t, id=8)}, at("2026-03-30 10:00"))
    assert [d.id for d in keep] == [3, 5, 6]
    assert [d.id for d in stale] == [1, 2, 4, 7]  # 7: a lone reminder whose due time has passed says nothing true


def test_a_timeout_for_an_unsigned_task_is_void_once_the_unit_has_signed():
    unsigned = {"action": "return", "to": None, "unsigned": True}
    due = [Due("timeout", 0, at("2026-03-04 18:00"), unsigned, task_id=7, id=1),
           Due("timeout", 0, at("2026-03-04 18:00"), unsigned, task_id=8, id=2)]
    signed, waiting = task(7, state=TaskState.active), task(8, state=TaskState.pending)
    keep, stale = timers.current(due, {7: signed, 8: waiting}, at("2026-03-04 18:00"))
    assert ([d.id for d in keep], [d.id for d in stale]) == ([2], [1])


def test_a_timeout_can_count_from_arrival_while_unsigned(directive, cal):
    rules = directive.chase_rules_for("handle").model_copy(update={"on_timeout": timers.dsl.Timeout(
        after_unsigned="2 working days", action="return")})
    [spec] = [s for s in timers.schedule(rules, DUE, at("2026-03-02 09:30"), cal) if s.kind == "timeout"]
    assert spec.fire_at == at("2026-03-04 18:00") and spec.payload["unsigned"] is True


def test_on_time_timers_all_apply():
    keep, stale = timers.current([Due("remind", 0, at("2026-03-18 09:00"))], {7: task()}, at("2026-03-18 09:00"))
    assert len(keep) == 1 and stale == []


# ---------------------------------------------------------------- what each kind does

def test_a_reminder_tells_the_holder(directive, org, cal):
    effects = timers.fire(Due("remind", fire_at=at("2026-03-18 09:00")), item(directive, task()), task(),
                          ctx(org, cal, "2026-03-18 09:00"))
    assert [type(e) for e in effects] == [Event, Notify]
    assert effects[0].zh == "财务部：到期提醒（2026-03-20 18:00 到期）"
    assert effects[1].holders == [Holder(unit="finance")] and effects[1].template == "remind"


def test_a_chase_counts_and_arms_the_next(directive, org, cal):
    t = task(chase_count=1)
    effects = timers.fire(Due("chase", 2, at("2026-03-24 18:00")), item(directive, t), t,
                          ctx(org, cal, "2026-03-24 18:00"))
    assert effects[0] == UpdateTask(7, {"chase_count": 2}, bump=False)
    assert effects[1] == ArmTimer(7, "chase", 3, at("2026-03-25 18:00"), DUE, {"n": 3})
    assert effects[2].zh == "财务部：系统催办（第 2 次，超期 2 个工作日）"
    assert effects[3].template == "chase" and effects[3].params["overdue"] == 2


def test_a_chase_after_downtime_arms_the_next_after_now_and_the_last_arms_none(directive, org, cal):
    t = task()
    late = timers.fire(Due("chase", 1, at("2026-03-23 18:00")), item(directive, t), t,
                       ctx(org, cal, "2026-04-01 10:00"))
    # the missed occurrences (24th to 31st) are not sent one by one: the next is the first after now, and it is
    # numbered by its place in the chain, so max_chases still ends the chain on time
    assert [(e.seq, e.fire_at) for e in late if isinstance(e, ArmTimer)] == [(8, at("2026-04-01 18:00"))]
    last = timers.fire(Due("chase", 10, at("2026-04-02 18:00")), item(directive, t), t,
                       ctx(org, cal, "2026-04-02 18:00"))
    assert not [e for e in last if isinstance(e, ArmTimer)]


def test_an_escalation_raises_the_cards_and_tells_the_one_above(directive, org, cal):
    red = {"to": "role:leader", "card": "red"}
    t = task(card=Card.yellow)
    effects = timers.fire(Due("escalate", 1, at("2026-03-27 18:00"), red), item(directive, t, card=Card.yellow), t,
                          ctx(org, cal, "2026-03-27 18:00"))
    assert effects[:2] == [UpdateTask(7, {"card": "red"}, bump=False), UpdateItem({"card": "red"}, bump=False)]
    assert effects[-1].holders[-1] == Holder(unit="finance") and effects[-1].params["card"] == "red"
    assert {p for h in effects[-1].holders for p in org.logins_of(h)} == {"leader", "finance.head"}
    # a yellow escalation never lowers a red card
    t = task(card=Card.red)
    again = timers.fire(Due("escalate", 0, payload={"to": "role:office_director", "card": "yellow"}),
                        item(directive, t, card=Card.red), t, ctx(org, cal, "2026-03-27 18:00"))
    assert not [e for e in again if isinstance(e, (UpdateTask, UpdateItem))]


def test_a_reassigning_timeout_hands_the_task_on_with_its_chases_and_card(directive, org, cal):
    t = task(chase_count=3, card=Card.yellow)
    effects = timers.fire(Due("timeout", payload={"action": "reassign", "to": "role:office_director"}),
                          item(directive, t), t, ctx(org, cal, "2026-03-26 18:00"))
    closed, new = effects[0], effects[1]
    assert closed == UpdateTask(7, {"state": TaskState.transferred, "closed_at": at("2026-03-26 18:00")})
    assert isinstance(new, NewTask) and new.holder == Holder(role="office_director")
    assert (new.chase_count, new.card, new.due_at, new.from_task) == (3, Card.yellow, DUE, 7)


def test_an_unknown_kind_is_refused(directive, org, cal):
    with pytest.raises(ValueError):
        timers.fire(Due("ring"), item(directive, task()), task(), ctx(org, cal, "2026-03-20 18:00"))


def test_cards_come_down_only_when_every_open_task_is_ahead_of_its_due_time(directive):
    now = at("2026-03-30 09:00")
    lead, co = task(7, card=Card.red), task(8, card=Card.red, unit="hr", part=Part.co)
    both = timers.cards_after_move(item(directive, lead, co, card=Card.red), {7: at("2026-04-10 18:00"),
                                                                             8: at("2026-04-10 18:00")}, now)
    assert both == [UpdateTask(7, {"card": "none"}, bump=False), UpdateTask(8, {"card": "none"}, bump=False),
                    UpdateItem({"card": "none"}, bump=False)]
    one = timers.cards_after_move(item(directive, lead, co, card=Card.red), {8: at("2026-04-10 18:00")}, now)
    assert one == [UpdateTask(8, {"card": "none"}, bump=False)]  # the lead is still overdue: the item keeps red
    assert timers.cards_after_move(item(directive, lead, card=Card.red), {7: at("2026-03-27 18:00")}, now) == []
