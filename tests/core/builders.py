"""Tiny builders for the core's tests: a small organisation, the shipped definitions, snapshots of an item and its
tasks, and a context on a fixed day. No database, no clock: time is an argument."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.core.calendar import WorkCalendar
from engine.core.dsl import Definition
from engine.core.machine import Ctx
from engine.core.model import Actor, ItemSnap, TaskSnap
from engine.core.org import Holder, Org, org_from_data
from engine.core.states import ItemState, Part, TaskKind, TaskState
from engine.parser.loader import definitions_dir, parse_definition

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SH)  # a Tuesday, an ordinary working day
ORG_DATA = {
    "units": {"office": {"zh": "办公室", "en": "Office"}, "finance": {"zh": "财务部", "en": "Finance"},
              "hr": {"zh": "人力资源部", "en": "HR"}},
    "people": [
        {"login": "admin", "name": "管理员", "unit": "office", "roles": ["admin"]},
        {"login": "leader", "name": "李领导", "unit": "office", "roles": ["leader"]},
        {"login": "office", "name": "王主任", "unit": "office", "roles": ["office_director"]},
        {"login": "clerk", "name": "赵督办", "unit": "office", "roles": ["clerk"]},
        {"login": "auditor", "name": "钱审计", "unit": "office", "roles": ["auditor"]},
        {"login": "finance.head", "name": "孙部长", "unit": "finance", "roles": ["unit_head"]},
        {"login": "finance.staff1", "name": "周会计", "unit": "finance", "roles": ["staff"]},
        {"login": "hr.head", "name": "吴部长", "unit": "hr", "roles": ["unit_head"]},
        {"login": "hr.staff1", "name": "郑专员", "unit": "hr", "roles": ["staff"]},
    ],
}


def org() -> Org:
    return org_from_data(ORG_DATA)


def shipped(name: str) -> Definition:
    """A definition from the shipped definitions/ folder, parsed as the engine parses it."""
    path = definitions_dir() / f"{name}.yaml"
    return parse_definition(path.read_text(encoding="utf-8"), str(path))


def ctx(now: datetime = NOW) -> Ctx:
    return Ctx(org=org(), cal=WorkCalendar(), now=now)


def actor(login: str, the_org: Org | None = None) -> Actor:
    p = (the_org or org()).people[login]
    return Actor(login, p.unit, p.roles)


def task(step: str, holder: Holder, state: TaskState = TaskState.active, *, id: int = 1, part: Part = Part.single,
         kind: TaskKind = TaskKind.work, due_at: datetime | None = NOW + timedelta(days=3), **kw) -> TaskSnap:
    return TaskSnap(id=id, step=step, kind=kind, part=part, holder=holder, state=state, due_at=due_at,
                    created_at=NOW - timedelta(days=1), **kw)


def item(definition: Definition, tasks: list[TaskSnap], *, state: ItemState = ItemState.running,
         initiator: str = "leader", assignment: dict | None = None, subject: dict | None = None) -> ItemSnap:
    return ItemSnap(id=1, definition=definition, subject=subject or {"title": "t", "instruction": "i"}, state=state,
                    assignment=assignment or {}, initiator=initiator, current_step=tasks[0].step if tasks else None,
                    tasks=tasks)
