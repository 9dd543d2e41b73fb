"""Items and tasks: the core's snapshots, the prebuilt hot-path writes (insert, versioned update), entries, item
serial numbers and the once-per-key starts (PeriodRun).

The statements are built once and executed with parameter dicts: SQLAlchemy memoises a statement object's cache
key, so the compiled SQL is found without rebuilding `.where(...).values(...)` on every call (which cost more than
running it). The SET columns of the updates come from the parameters' keys; `_id`/`_version` are the WHERE."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.core.codec import from_json
from engine.core.model import ItemSnap, TaskSnap
from engine.core.org import Holder
from engine.core.queue_order import urgency_rank
from engine.core.states import (
    Card, ItemState, NotFound, OPEN_TASK_STATES, Part, TaskKind, TaskState,
)
from engine.store import board_tally, search_index as search_store
from engine.store.tables import Entry, Event, Instance, PeriodRun, SerialCounter, Task


T_TASK = Task.__table__
T_ITEM = Instance.__table__
T_ENTRY, T_PERIOD = Entry.__table__, PeriodRun.__table__
T_EVENT = Event.__table__
INSERT_ITEM, INSERT_ENTRY = T_ITEM.insert(), T_ENTRY.insert()
INSERT_TASK = T_TASK.insert()  # the row carries its item's urgency rank (engine.core.queue_order.urgency_rank)
SET_URGENCY = T_TASK.update().where(T_TASK.c.instance_id == sa.bindparam("_item")).values(
    urgency=sa.bindparam("_urgency"))
UPDATE_TASK = T_TASK.update().where(T_TASK.c.id == sa.bindparam("_id"), T_TASK.c.version == sa.bindparam("_version"))
UPDATE_ITEM = T_ITEM.update().where(T_ITEM.c.id == sa.bindparam("_id"), T_ITEM.c.version == sa.bindparam("_version"))
INSERT_ENTRY_RETURNING = INSERT_ENTRY.returning(T_ENTRY.c.id, sort_by_parameter_order=True)
SERIAL_OF_ITEM = sa.select(T_ITEM.c.serial).where(T_ITEM.c.id == sa.bindparam("_id"))
TASK_SNAP_COLUMNS = ("id", "step", "kind", "part", "person", "unit", "role", "state", "due_at", "created_at", "version",
                     "round", "from_task", "sender", "card", "chase_count", "last_chased_at", "data", "closed_at",
                     "closed_by")
_ITEM_COLUMNS = [T_ITEM.c[k] for k in ("id", "definition_key", "definition_version", "subject", "state", "assignment",
                                       "initiator", "current_step", "version", "title", "serial", "confidential", "card",
                                       "depth")]
_ITEM_BY_ID = sa.select(*_ITEM_COLUMNS).where(T_ITEM.c.id == sa.bindparam("item"))
_ITEM_BY_ID_LOCKED = _ITEM_BY_ID.with_for_update()
_ITEM_OF_TASK = (sa.select(*_ITEM_COLUMNS).join_from(T_ITEM, T_TASK, T_TASK.c.instance_id == T_ITEM.c.id)
                 .where(T_TASK.c.id == sa.bindparam("task")))
_ITEM_OF_TASK_LOCKED = _ITEM_OF_TASK.with_for_update(of=T_ITEM)
_TASKS_OF_ITEM = (sa.select(*(T_TASK.c[k] for k in TASK_SNAP_COLUMNS))
                  .where(T_TASK.c.instance_id == sa.bindparam("item")).order_by(T_TASK.c.id))
_INSTANCE_OF_TASK = sa.select(T_TASK.c.instance_id).where(T_TASK.c.id == sa.bindparam("task"))
_ITEM_ROW_BY_ID = sa.select(T_ITEM).where(T_ITEM.c.id == sa.bindparam("item"))


def next_serial(*, conn: Connection, key: str, year: int) -> int:
    """The next serial number for a definition and year, race-free on both databases."""
    return conn.execute(_next_serial_stmt(conn.dialect.name), {"definition_key": key, "year": year}).scalar_one()


@lru_cache(maxsize=None)
def _next_serial_stmt(dialect: str) -> Any:
    t = SerialCounter.__table__
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(t).values(
        definition_key=sa.bindparam("definition_key"), year=sa.bindparam("year"), last=1)
    stmt = ins.on_conflict_do_update(index_elements=["definition_key", "year"], set_={"last": t.c.last + 1})
    return stmt.returning(t.c.last)




def task_snap(r: Any) -> TaskSnap:
    """A task row (anything with the TASK_SNAP_COLUMNS as attributes) as a snapshot."""
    return task_snap_of(*(getattr(r, k) for k in TASK_SNAP_COLUMNS))


def task_snap_of(id: int, step: str, kind: str, part: str, person: str | None, unit: str | None, role: str | None,
                 state: str, due_at: datetime | None, created_at: datetime, version: int, round: int,
                 from_task: int | None, sender: str | None, card: str, chase_count: int,
                 last_chased_at: datetime | None, data: dict | None, closed_at: datetime | None = None,
                 closed_by: str | None = None) -> TaskSnap:
    return TaskSnap(
        id=id, step=step, kind=TaskKind(kind), part=Part(part), holder=Holder(person=person, unit=unit, role=role),
        state=TaskState(state), due_at=due_at, created_at=created_at, version=version, round=round,
        from_task=from_task, sender=sender, card=Card(card), chase_count=chase_count, last_chased_at=last_chased_at,
        data=data or {}, closed_at=closed_at, closed_by=closed_by)


def load_item(*, conn: Connection, item_id: int, definition_of: Any, for_update: bool = False) -> ItemSnap:
    locked = for_update and conn.dialect.name == "postgresql"
    r = conn.execute(_ITEM_BY_ID_LOCKED if locked else _ITEM_BY_ID, {"item": item_id}).first()
    if r is None:
        raise NotFound("没有这个事项", "no such item", {"instance": item_id})
    return _item_snap(conn, r, definition_of)


def load_item_and_row(*, conn: Connection, item_id: int, definition_of: Any) -> tuple[ItemSnap, Any]:
    """`load_item` plus the item's whole row (serial, dates, card, progress...) for read models, in one query."""
    r = conn.execute(_ITEM_ROW_BY_ID, {"item": item_id}).first()
    if r is None:
        raise NotFound("没有这个事项", "no such item", {"instance": item_id})
    return _item_snap(conn, r, definition_of), r


def load_item_of_task(*, conn: Connection, task_id: int, definition_of: Any, for_update: bool = False) -> ItemSnap:
    """`load_item(item_id=item_of_task(task_id))` in one query less."""
    locked = for_update and conn.dialect.name == "postgresql"
    r = conn.execute(_ITEM_OF_TASK_LOCKED if locked else _ITEM_OF_TASK, {"task": task_id}).first()
    if r is None:
        raise NotFound("没有这个任务", "no such task", {"task": task_id})
    return _item_snap(conn, r, definition_of)


def _item_snap(conn: Connection, r: Any, definition_of: Any) -> ItemSnap:
    defn = definition_of(r.definition_key, r.definition_version)
    tasks = [task_snap_of(*t) for t in conn.execute(_TASKS_OF_ITEM, {"item": r.id})]  # rows unpack faster by position
    item = ItemSnap(id=r.id, definition=defn, subject=from_json(defn.fields, r.subject or {}),
                    state=ItemState(r.state), assignment=r.assignment or {}, initiator=r.initiator,
                    current_step=r.current_step, tasks=tasks, version=r.version, title=r.title,
                    card=Card(r.card or "none"), depth=r.depth or 0)
    item._serial = r.serial  # type: ignore[attr-defined]  # notifications quote it (serial_of)
    item._confidential = bool(r.confidential)  # type: ignore[attr-defined]  # who may see it (confidential_of)
    return item


def confidential_of(item: ItemSnap) -> bool:
    """Whether a loaded item is confidential (read with its snapshot, see _item_snap)."""
    return item._confidential  # type: ignore[attr-defined]


def item_of_task(*, conn: Connection, task_id: int) -> int:
    iid = conn.execute(_INSTANCE_OF_TASK, {"task": task_id}).scalar()
    if iid is None:
        raise NotFound("没有这个任务", "no such task", {"task": task_id})
    return iid


def load_items(*, conn: Connection, item_ids: set[int], definition_of: Any,
               task_ids: set[int] | None = None, rows_out: dict[int, Any] | None = None) -> dict[int, ItemSnap]:
    """Several items as snapshots in two queries (the sweep loads a whole batch at once). With `task_ids` the
    snapshots hold only those tasks (enough for a reminder, a chase or a card; not for the machine). With
    `rows_out` the items' whole rows (dates, progress... for read models) are put there by id, in the same query."""
    if not item_ids:
        return {}
    shape = sa.select(T_ITEM) if rows_out is not None else sa.select(*_ITEM_COLUMNS)
    rows = list(conn.execute(shape.where(T_ITEM.c.id.in_(item_ids))))
    if rows_out is not None:
        rows_out.update((r.id, r) for r in rows)
    tasks: dict[int, list[TaskSnap]] = {r.id: [] for r in rows}
    which = T_TASK.c.instance_id.in_(item_ids)
    if task_ids is not None:  # of those items only: the sweep reloads one item with the whole batch's task ids
        which = sa.and_(which, T_TASK.c.id.in_(task_ids))
    for t in conn.execute(sa.select(T_TASK.c.instance_id, *(T_TASK.c[k] for k in TASK_SNAP_COLUMNS))
                          .where(which).order_by(T_TASK.c.id)):
        tasks[t[0]].append(task_snap_of(*t[1:]))
    out = {}
    for r in rows:
        defn = definition_of(r.definition_key, r.definition_version)
        item = ItemSnap(id=r.id, definition=defn, subject=from_json(defn.fields, r.subject or {}),
                        state=ItemState(r.state), assignment=r.assignment or {}, initiator=r.initiator,
                        current_step=r.current_step, tasks=tasks[r.id], version=r.version, title=r.title,
                        card=Card(r.card or "none"), depth=r.depth or 0)
        item._serial = r.serial  # type: ignore[attr-defined]
        item._confidential = bool(r.confidential)  # type: ignore[attr-defined]
        out[r.id] = item
    return out


def serial_of(*, conn: Connection, item: ItemSnap) -> str:
    """An item's serial number (read with its snapshot, else once)."""
    if not hasattr(item, "_serial"):
        item._serial = conn.execute(SERIAL_OF_ITEM, {"_id": item.id}).scalar()  # type: ignore[attr-defined]
    return item._serial  # type: ignore[attr-defined]


def insert_item(*, conn: Connection, row: dict[str, Any]) -> int:
    iid = conn.execute(INSERT_ITEM, row).inserted_primary_key[0]
    board_tally.mark(conn, items=[iid])  # every writer here marks what the board counts (engine.store.board_tally)
    return iid


def insert_task(*, conn: Connection, row: dict[str, Any]) -> int:
    board_tally.mark(conn, items=[row["instance_id"]])
    return conn.execute(INSERT_TASK, row).inserted_primary_key[0]


def update_task(*, conn: Connection, task_id: int, version: int, changes: dict[str, Any]) -> bool:
    """Write `changes` and version+1 if the task is still at `version`; False if someone changed it first."""
    res = conn.execute(UPDATE_TASK, {**changes, "version": version + 1, "_id": task_id, "_version": version})
    board_tally.mark(conn, tasks=[task_id])
    return res.rowcount == 1


def update_item(*, conn: Connection, item_id: int, version: int, changes: dict[str, Any]) -> bool:
    """Write `changes` and version+1 if the item is still at `version`; False if it moved."""
    res = conn.execute(UPDATE_ITEM, {**changes, "version": version + 1, "_id": item_id, "_version": version})
    board_tally.mark(conn, items=[item_id])
    if res.rowcount == 1 and "subject" in changes:  # its tasks' place in 我的待办 follows the item's urgency
        conn.execute(SET_URGENCY, {"_item": item_id, "_urgency": urgency_rank(changes["subject"])})
    return res.rowcount == 1


def touch(*, conn: Connection, table: str, changes: dict[int, dict[str, Any]]) -> None:
    """Bookkeeping columns (a task's chase count or card, an item's card) written without a version bump, rows of
    one shape in one statement: the sweep writes a whole batch's at once. `table` is "task" or "item"."""
    t = T_TASK if table == "task" else T_ITEM
    board_tally.mark(conn, **{"tasks" if table == "task" else "items": [k for k, ch in changes.items() if ch]})
    by_shape: dict[tuple, list[dict]] = {}
    for rid, ch in changes.items():
        if ch:
            by_shape.setdefault(tuple(sorted(ch)), []).append({"_id": rid, **{f"_{k}": v for k, v in ch.items()}})
    for keys, rows in by_shape.items():
        conn.execute(t.update().where(t.c.id == sa.bindparam("_id")).values({k: sa.bindparam(f"_{k}") for k in keys}),
                     rows)


def insert_entries(*, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert entries and, in the same transaction, their search documents."""
    if rows:
        ids = conn.execute(INSERT_ENTRY_RETURNING, rows).scalars()
        search_store.index_entries(conn=conn, rows=[{**r, "id": i} for r, i in zip(rows, ids)])


class KeyTaken(Exception):
    """A once-per-key start whose key exists already."""


def take_period_key(*, conn: Connection, key: str, at: datetime) -> None:
    """Insert a once-per-key start's key first in the caller's transaction; KeyTaken if another caller has it (the
    transaction must then be rolled back)."""
    try:
        with conn.begin_nested():
            conn.execute(T_PERIOD.insert(), {"key": key, "instance_id": None, "started_at": at})
    except sa.exc.IntegrityError as e:
        raise KeyTaken(key) from e


def set_period_item(*, conn: Connection, key: str, item_id: int) -> None:
    conn.execute(T_PERIOD.update().where(T_PERIOD.c.key == key).values(instance_id=item_id))


def period_item(*, conn: Connection, key: str) -> int | None:
    """The item started for `key`, or None if no such key."""
    r = conn.execute(sa.select(T_PERIOD.c.instance_id).where(T_PERIOD.c.key == key)).first()
    return None if r is None else r.instance_id


def last_act(*, conn: Connection, task_id: int, quiet: tuple[str, ...] = (),
             quiet_from_system: tuple[str, ...] = ()) -> tuple[str | None, str, datetime] | None:
    """(who, what, when) of the act that last changed a task. A closed task: the act that closed it — an event of
    its item at the moment it closed, its own first, else the latest (an item cancelled through another task closes
    this one too, with no event of its own); who is None for the system (a timeout, a join rule). An open task: its
    latest event. Events of the `quiet` kinds, and of the `quiet_from_system` kinds written by the system, are
    passed over (they change nothing a form shows)."""
    e = T_EVENT.c
    loud = sa.and_(e.kind.not_in(quiet) if quiet else sa.true(),
                   ~(e.actor.is_(None) & e.kind.in_(quiet_from_system)) if quiet_from_system else sa.true())
    task = conn.execute(sa.select(T_TASK.c.instance_id, T_TASK.c.closed_at).where(T_TASK.c.id == task_id)).first()
    r = None
    if task is not None and task.closed_at is not None:
        r = conn.execute(sa.select(e.actor, e.kind, e.at).where(
            e.instance_id == task.instance_id, e.at == task.closed_at, loud)
            .order_by(sa.case((e.task_id == task_id, 0), else_=1), e.id.desc()).limit(1)).first()
    if r is None:
        r = conn.execute(sa.select(e.actor, e.kind, e.at).where(e.task_id == task_id, loud)
                         .order_by(e.id.desc()).limit(1)).first()
    return (r.actor, r.kind, r.at) if r is not None else None
def open_tasks_held_by(*, conn: Connection, login: str) -> list[Any]:
    """(id, instance_id) of the open tasks a person holds by name, oldest first (a leaver's 批量转办)."""
    c = T_TASK.c
    q = sa.select(c.id, c.instance_id).where(c.person == login, c.state.in_(sorted(OPEN_TASK_STATES)))
    return list(conn.execute(q.order_by(c.id)))
