"""The SQL of what people look at in lists: the items a viewer may see (filtered, paged), a person's tasks, an
item's timeline and entries, the audit trail, a person's inbox and marking a notification read. The visibility
filter is the SQL form of engine.core.policy.can_see, built from the same policy.Viewer."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core import search as search_rules
from engine.core.policy import UNQUEUED_KINDS, Party, Viewer
from engine.core.states import OPEN_TASK_STATES, OVERDUE_KINDS, ItemState
from engine.store import search_index
from engine.store.tables import Entry, Event, Instance, Notification, Task

T_ITEM, T_TASK, T_EVENT = Instance.__table__, Task.__table__, Event.__table__
T_NOTE, T_ENTRY = Notification.__table__, Entry.__table__
OPEN = sorted(s.value for s in OPEN_TASK_STATES)
OVERDUE_KINDS_SQL = sorted(k.value for k in OVERDUE_KINDS)


# ------------------------------------------------------------------ items
def mentions_unit(unit: str | None) -> sa.ColumnElement[bool]:
    """The item's assignment names the unit (as lead or co-handler)."""
    return sa.cast(T_ITEM.c.assignment, sa.Text).contains(f'"{unit}"', autoescape=True)


def lead_unit_is(unit: str) -> sa.ColumnElement[bool]:
    """The assignment's lead is the unit itself (policy.involved reads assignment.lead.unit; the lead_unit column
    also names the unit of a person who leads, which does not involve their unit)."""
    return T_ITEM.c.assignment[("lead", "unit")].as_string() == unit


def co_has(unit: str) -> sa.ColumnElement[bool]:
    """The assignment's co-handling units include `unit` (a JSON list of unit codes, [a-z][a-z0-9_]*)."""
    return T_ITEM.c.assignment["co"].as_string().contains(f'"{unit}"', autoescape=True)


def _involves(p: Party, t: Any) -> sa.ColumnElement[bool]:
    """policy.involves as SQL over the item row and `t`, an alias of the task table."""
    i = T_ITEM.c
    on_task = [t.person == p.login, t.sender == p.login]
    on_item = [i.initiator == p.login]
    if p.unit is not None:
        on_task.append(t.unit == p.unit)
        on_item += [lead_unit_is(p.unit), co_has(p.unit)]
    if p.roles:
        on_task.append(t.role.in_(sorted(p.roles)))
    return sa.or_(*on_item, sa.exists().where(t.instance_id == i.id, sa.or_(*on_task)))


def visible_clause(v: Viewer) -> sa.ColumnElement[bool]:
    """policy.sees as SQL, term by term. Involved (policy.involved/involves, for the viewer and everyone they stand
    in for): the initiator, every task holder (person, unit, role) and sender, the assignment's lead unit and co
    units. Confidential items: only those involved; others also the units of the people involved
    (v.unit_people), and every item for roles that see all (v.sees_all). The task table is aliased so that the
    clause can sit inside a query over tasks (the task queue). Checked against policy.sees over every demo person
    and a varied store by tests/api/test_one_visibility_rule.py."""
    i = T_ITEM.c
    t = T_TASK.alias("seen_task").c
    involved = sa.or_(*(_involves(p, t) for p in v.parties))
    if v.sees_all:
        return sa.or_(i.confidential.is_(False), involved)
    members = sorted(v.unit_people)
    unit_involved = sa.or_(i.initiator.in_(members), sa.exists().where(
        t.instance_id == i.id, sa.or_(t.person.in_(members), t.sender.in_(members))))
    return sa.or_(involved, sa.and_(i.confidential.is_(False), unit_involved))


def task_overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """engine.core.states.is_overdue as SQL: a task still open past its due time."""
    c = T_TASK.c
    return sa.and_(c.state.in_(OPEN), c.due_at < now)


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """engine.core.states.item_overdue as SQL: a running item with an open task of OVERDUE_KINDS past due."""
    i, t = T_ITEM.c, T_TASK.c
    return sa.and_(i.state == ItemState.running.value, sa.exists().where(
        t.instance_id == i.id, t.kind.in_(OVERDUE_KINDS_SQL), task_overdue_clause(now)))


def found_by(conn: Connection, q: str, column: Any) -> sa.ColumnElement[bool]:
    """`column` (an item id) is one of the items search finds for `q` (engine.core.search: any substring of the
    title, the texts, entries and attachments; the serial however typed): the ledger's and 我的待办's `q`."""
    return column.in_(search_index.matching_items(conn=conn, query=search_rules.read_query(q)))


def item_filters(viewer: Viewer, *, definition: str | None, state: str | None,
                 unit: str | None, parent: int | None = None) -> list[sa.ColumnElement[bool]]:
    """What every item list and search filters by: the viewer's visibility (the one rule), then the definition, the
    state, a unit named as lead or co-handler, and the item split into parts (任务分解) the items are parts of."""
    i = T_ITEM.c
    where = [visible_clause(viewer)]
    if definition:
        where.append(i.definition_key == definition)
    if state:
        where.append(i.state == state)
    if unit:
        where.append(sa.or_(i.lead_unit == unit, mentions_unit(unit)))
    if parent is not None:
        where.append(i.parent_id == parent)
    return where


def item_page(*, conn: Connection, viewer: Viewer, now: datetime, definition: str | None = None,
              state: str | None = None, unit: str | None = None, overdue: bool | None = None, q: str | None = None,
              limit: int, offset: int, parent: int | None = None) -> tuple[int, list[Any]]:
    """(total, rows) of the items `viewer` may see, newest first; each row has an `overdue` column."""
    i = T_ITEM.c
    where = item_filters(viewer, definition=definition, state=state, unit=unit, parent=parent)
    if overdue is not None:
        where.append(overdue_clause(now) if overdue else sa.not_(overdue_clause(now)))
    if q:
        where.append(found_by(conn, q, i.id))
    total = conn.execute(sa.select(sa.func.count()).select_from(T_ITEM).where(*where)).scalar_one()
    rows = list(conn.execute(sa.select(T_ITEM, overdue_clause(now).label("overdue")).where(*where)
                             .order_by(i.id.desc()).limit(limit).offset(offset)))
    return total, rows


def count_items(*, conn: Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(T_ITEM)).scalar_one()


def serials(*, conn: Connection, item_ids: list[int]) -> dict[int, str]:
    """Each item's serial number (督〔2026〕15号), by id."""
    if not item_ids:
        return {}
    return dict(conn.execute(sa.select(T_ITEM.c.id, T_ITEM.c.serial).where(T_ITEM.c.id.in_(item_ids))).all())


# ------------------------------------------------------------------ tasks
def task_refs(*, conn: Connection, viewer: Viewer, state: str, now: datetime, limit: int,
              offset: int = 0, q: str | None = None, counted: bool = False) -> list[Any]:
    """(id, instance_id, person, unit, role) of the tasks in a viewer's 我的待办 (policy.in_queue, in items
    policy.sees), `state` open, overdue or done; soonest due first, `limit` from `offset`. With `counted`, each row
    also has `total`, how many tasks there are in all pages, and `overdue`, how many of them are overdue
    (task_overdue_clause: the overdue tab's count when `state` is open), in the same pass over the queue."""
    c = T_TASK.c
    counts = [sa.func.count().over().label("total"),
              sa.func.sum(sa.case((task_overdue_clause(now), 1), else_=0)).over().label("overdue")]
    cols = [c.id, c.instance_id, c.person, c.unit, c.role] + (counts if counted else [])
    sel = tasks_of(sa.select(*cols), viewer, state, now)
    if q:
        sel = sel.where(found_by(conn, q, c.instance_id))
    # engine.core.queue_order.queue_key: overdue first (states.is_overdue), the most urgent (the stored rank), due
    late = sa.case((sa.and_(c.state.in_(OPEN), c.due_at < now), 0), else_=1)
    return list(conn.execute(sel.order_by(late, c.urgency.desc(), c.due_at.is_(None), c.due_at, c.id)
                             .limit(limit).offset(offset)))


def count_task_refs(*, conn: Connection, viewer: Viewer, state: str, now: datetime, q: str | None = None) -> int:
    """How many tasks `task_refs` pages through."""
    sel = tasks_of(sa.select(sa.func.count()).select_from(T_TASK), viewer, state, now)
    if q:
        sel = sel.where(found_by(conn, q, T_TASK.c.instance_id))
    return conn.execute(sel).scalar_one()


def queues(p: Party) -> sa.ColumnElement[bool]:
    """policy.queues as SQL over the task table."""
    c = T_TASK.c
    who = [c.person == p.login]
    if p.roles:
        who.append(c.role.in_(sorted(p.roles)))
    if p.queue_people is not None:
        if p.unit is not None:
            who.append(sa.and_(c.unit == p.unit, c.person.is_(None)))
        who.append(c.person.in_(sorted(p.queue_people)))
    return sa.or_(*who)


def tasks_of(q: sa.Select, viewer: Viewer, state: str, now: datetime) -> sa.Select:
    c = T_TASK.c
    # the item of each task in the queue, looked up by its key and checked (a correlated EXISTS): the cost grows
    # with the queue, not with the store, as `instance_id IN (every visible item)` did
    seen = sa.exists().where(T_ITEM.c.id == c.instance_id, visible_clause(viewer))
    q = q.where(sa.or_(*(queues(p) for p in viewer.parties)), seen, c.kind.notin_(sorted(UNQUEUED_KINDS)))
    if state == "open":
        return q.where(c.state.in_(OPEN))
    if state == "overdue":
        return q.where(task_overdue_clause(now))
    if state == "done":
        return q.where(c.state.notin_(OPEN))
    raise ValueError(state)


def open_task_ids(*, conn: Connection, item_id: int, step: str, kind: str = "work", unit: str | None = None,
                  person: str | None = None) -> list[int]:
    """Ids of the open tasks of a step (optionally held by a unit or person), oldest first."""
    c = T_TASK.c
    q = sa.select(c.id).where(c.instance_id == item_id, c.step == step, c.kind == kind, c.state.in_(OPEN))
    if unit:
        q = q.where(c.unit == unit)
    if person:
        q = q.where(c.person == person)
    return list(conn.execute(q.order_by(c.id)).scalars())


def timeline(*, conn: Connection, item_id: int) -> tuple[list[Any], list[Any]]:
    """An item's audit events and its entries (progress, opinions), each in order."""
    events = list(conn.execute(sa.select(T_EVENT).where(T_EVENT.c.instance_id == item_id).order_by(T_EVENT.c.id)))
    entries = list(conn.execute(sa.select(T_ENTRY).where(T_ENTRY.c.instance_id == item_id).order_by(T_ENTRY.c.id)))
    return events, entries


# ------------------------------------------------------------------ the audit trail
def audit_page(*, conn: Connection, instance: int | None = None, person: str | None = None,
               since: datetime | None = None, limit: int, offset: int) -> tuple[int, list[Any]]:
    """(total, rows) of audit events, oldest first, each with its item's `serial`."""
    e = T_EVENT.c
    where = []
    if instance is not None:
        where.append(e.instance_id == instance)
    if person:
        where.append(e.actor == person)
    if since is not None:
        where.append(e.at >= since)
    total = conn.execute(sa.select(sa.func.count()).select_from(T_EVENT).where(*where)).scalar_one()
    q = (sa.select(T_EVENT, T_ITEM.c.serial).select_from(T_EVENT.outerjoin(T_ITEM, T_ITEM.c.id == e.instance_id))
         .where(*where).order_by(e.id).limit(limit).offset(offset))
    return total, list(conn.execute(q))


# ------------------------------------------------------------------ the inbox
def _about_visible(v: Viewer) -> sa.ColumnElement[bool]:
    """A notification about no item, or about one the viewer may see now (a stand-in's notices of the person they
    stood in for go out of sight with the items when the leave ends)."""
    n = T_NOTE.c
    # each notice's item looked up by its key and checked (a correlated EXISTS), not `IN (every visible item)`:
    # the unread count on every page costs the person's notices, not the store
    return sa.or_(n.instance_id.is_(None), sa.exists().where(T_ITEM.c.id == n.instance_id, visible_clause(v)))


def notification_rows(*, conn: Connection, viewer: Viewer, unread_only: bool, limit: int) -> list[Any]:
    """A person's notifications about what they may see: unread first, newest first within each."""
    n = T_NOTE.c
    q = sa.select(T_NOTE).where(n.person == viewer.login, _about_visible(viewer))
    if unread_only:
        q = q.where(n.read_at.is_(None))
    return list(conn.execute(q.order_by(n.read_at.is_not(None), n.created_at.desc(), n.id.desc()).limit(limit)))


def notification(*, conn: Connection, notification_id: int, viewer: Viewer) -> Any:
    """One of the person's own notifications about what they may see, or None."""
    n = T_NOTE.c
    return conn.execute(sa.select(T_NOTE).where(n.id == notification_id, n.person == viewer.login,
                                                _about_visible(viewer))).first()


def mark_read(*, conn: Connection, notification_id: int, now: datetime) -> bool:
    """Set read_at unless already read; True when this was the first reading."""
    n = T_NOTE.c
    return conn.execute(T_NOTE.update().where(n.id == notification_id, n.read_at.is_(None))
                        .values(read_at=now)).rowcount == 1
