"""Read models: a person's tasks with the actions they may take, an item with its timeline, who may see what."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.core.actions import dispatch as actions
from engine.core.model import Actor, ItemSnap, TaskSnap
from engine.runtime.site import Site
from engine.core.states import (
    ITEM_STATE_LABELS, OPEN_TASK_STATES, TASK_STATE_LABELS, NotFound, is_overdue, overdue_days,
)
from engine.store import db, items as item_store
from engine.store.tables import Entry, Event, Instance, Task
from engine.core import policy

T_TASK, T_ITEM = Task.__table__, Instance.__table__


def _step_title(item_or_defn: Any, step: str, lang: str) -> str:
    defn = getattr(item_or_defn, "definition", item_or_defn)
    s = defn.steps.get(step)
    return s.title.text(lang) if s else step


def task_view(site: Site, item: ItemSnap, task: TaskSnap, actor: Actor | None, now: datetime, serial: str,
              lang: str = "zh") -> dict:
    ctx = site.ctx(now)
    names = actions.available(item, task, actor, ctx) if actor else []
    overdue = is_overdue(task.state, task.due_at, now)
    days = None
    if task.due_at is not None and task.state in OPEN_TASK_STATES:
        days = -overdue_days(task.due_at, now, site.cal) if overdue else \
            site.cal.working_days_between(now, task.due_at)
    zh, en = TASK_STATE_LABELS[task.state]
    return {
        "id": task.id, "version": task.version, "instance_id": item.id, "serial": serial, "title": item.title,
        "definition": item.definition.id, "step": task.step, "step_title": _step_title(item, task.step, lang),
        "kind": task.kind.value, "part": task.part.value, "holder": task.holder.as_dict(),
        "holder_name": site.org.holder_name(task.holder, lang), "state": task.state.value,
        "state_label": {"zh": zh, "en": en}, "due_at": task.due_at, "overdue": overdue,
        "working_days_left": days, "card": task.card.value, "chase_count": task.chase_count,
        "created_at": task.created_at, "data": task.data,
        "actions": [actions.public(a, item, task) for a in names],
    }


def task_overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """engine.core.states.is_overdue as SQL: a task still open past its due time."""
    c = T_TASK.c
    return sa.and_(c.state.in_(sorted(s.value for s in OPEN_TASK_STATES)), c.due_at < now)


def my_tasks(site: Site, login: str, state: str = "open", lang: str = "zh", limit: int = 200) -> list[dict]:
    """A person's tasks (a unit head also sees the unit's): open, overdue or done."""
    actor = site.actor(login)
    now = site.clock.now()
    c = T_TASK.c
    who = [c.person == login, c.role.in_(sorted(actor.roles))]
    if "unit_head" in actor.roles:
        members = [p.login for p in site.org.people.values() if p.unit == actor.unit]
        who += [sa.and_(c.unit == actor.unit, c.person.is_(None)), c.person.in_(members)]
    q = sa.select(c.id, c.instance_id).where(sa.or_(*who))
    open_states = [s.value for s in OPEN_TASK_STATES]
    if state == "open":
        q = q.where(c.state.in_(open_states))
    elif state == "overdue":
        q = q.where(task_overdue_clause(now))
    elif state == "done":
        q = q.where(c.state.notin_(open_states))
    else:
        raise ValueError(state)
    q = q.order_by(c.due_at.is_(None), c.due_at, c.id).limit(limit)
    out = []
    with db.read(site.eng) as conn:
        rows = list(conn.execute(q))
        items: dict[int, tuple[ItemSnap, str]] = {}
        for r in rows:
            if r.instance_id not in items:
                item = item_store.load_item(conn=conn, item_id=r.instance_id, definition_of=site.definition)
                serial = conn.execute(sa.select(T_ITEM.c.serial).where(T_ITEM.c.id == item.id)).scalar()
                items[r.instance_id] = (item, serial)
            item, serial = items[r.instance_id]
            out.append(task_view(site, item, item.task(r.id), actor, now, serial, lang))
    return out


def item_view(site: Site, item_id: int, login: str | None, lang: str = "zh") -> dict:
    """An item with its tasks, entries and timeline (every audit event in order, in words)."""
    now = site.clock.now()
    actor = site.actor(login) if login else None
    with db.read(site.eng) as conn:
        item, row = item_store.load_item_and_row(conn=conn, item_id=item_id, definition_of=site.definition)
        if actor is not None and not policy.can_see(site.org, actor, item, row.confidential):
            raise NotFound("没有这个事项", "no such item", {"instance": item_id})
        events = list(conn.execute(sa.select(Event.__table__).where(Event.__table__.c.instance_id == item_id)
                                   .order_by(Event.__table__.c.id)))
        entries = list(conn.execute(sa.select(Entry.__table__).where(Entry.__table__.c.instance_id == item_id)
                                    .order_by(Entry.__table__.c.id)))
    zh, en = ITEM_STATE_LABELS[item.state]
    tz = site.cal.tz
    return {
        "id": item.id, "serial": row.serial, "definition": item.definition.id,
        "definition_version": row.definition_version, "title": item.title,
        "subject": row.subject, "state": item.state.value, "state_label": {"zh": zh, "en": en},
        "current_step": item.current_step,
        "current_step_title": _step_title(item, item.current_step, lang) if item.current_step else None,
        "assignment": item.assignment, "due_at": row.due_at, "card": row.card, "initiator": item.initiator,
        "confidential": row.confidential, "progress": row.progress, "progress_percent": row.progress_percent,
        "created_at": row.created_at, "closed_at": row.closed_at, "version": item.version,
        "tasks": [task_view(site, item, t, actor, now, row.serial, lang) for t in item.tasks],
        "entries": [{"kind": e.kind, "person": e.person, "text": e.text, "percent": e.percent, "at": e.at,
                     "task_id": e.task_id} for e in entries],
        "timeline": [{"at": e.at, "local_time": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "actor": e.actor,
                      "kind": e.kind, "task_id": e.task_id,
                      "text": e.message_en if lang.startswith("en") else e.message_zh} for e in events],
    }


def timeline_text(site: Site, item_id: int, lang: str = "zh") -> str:
    v = item_view(site, item_id, None, lang)
    lines = [f"{v['serial']} 《{v['title']}》 — {v['state_label']['zh']} {v['state_label']['en']}"]
    lines += [f"  {e['local_time']}  {e['text']}" for e in v["timeline"]]
    return "\n".join(lines)


def open_task_for(site: Site, item_id: int, step: str, *, unit: str | None = None, person: str | None = None,
                  kind: str = "work") -> int:
    """The id of the open task of a step (optionally held by a unit or person): for scripts and tests."""
    c = T_TASK.c
    q = sa.select(c.id).where(c.instance_id == item_id, c.step == step, c.kind == kind,
                              c.state.in_([s.value for s in OPEN_TASK_STATES]))
    if unit:
        q = q.where(c.unit == unit)
    if person:
        q = q.where(c.person == person)
    with db.read(site.eng) as conn:
        ids = list(conn.execute(q.order_by(c.id)).scalars())
    if not ids:
        raise NotFound("没有符合条件的待办", f"no open {kind} task at step {step!r}", {"step": step})
    return ids[-1]
