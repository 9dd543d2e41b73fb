"""The SQL of supervision (督办): the items a board or ledger is narrowed to (always within what the viewer may
see, engine.store.lists.visible_clause), their tasks and chase counts, and the overdue tasks among them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import Viewer
from engine.core.states import ItemState
from engine.store.lists import (
    OVERDUE_KINDS_SQL, T_EVENT, T_ITEM, T_TASK, mentions_unit, overdue_clause, task_overdue_clause, found_by,
    visible_clause,
)

HANDLING = ("lead", "co")  # the parts that units handle


@dataclass(frozen=True)
class Narrowing:
    """The board's filters in the store's terms: times are instants (the caller turns dates into them)."""

    definition: str | None = None
    exclude_definitions: tuple[str, ...] = ()
    state: str | None = None
    unit: str | None = None
    unit_people: tuple[str, ...] = ()
    overdue: bool | None = None
    q: str | None = None
    created_from: datetime | None = None
    created_before: datetime | None = None
    ids: tuple[int, ...] | None = None  # only these items (the board's level and light filters, worked out in Python)


def narrowed(conn: Connection, viewer: Viewer, f: Narrowing, now: datetime) -> list[Any]:
    """The WHERE terms of the narrowing over the item table, visibility first (engine.store.board_counts too)."""
    i, t = T_ITEM.c, T_TASK.c
    where = [visible_clause(viewer)]
    if f.definition:
        where.append(i.definition_key == f.definition)
    elif f.exclude_definitions:
        where.append(i.definition_key.notin_(list(f.exclude_definitions)))
    if f.state:
        where.append(i.state == f.state)
    if f.unit:  # led or co-handled by the unit, or handled by one of its people (after a transfer inside it)
        where.append(sa.or_(i.lead_unit == f.unit, mentions_unit(f.unit),
                            sa.exists().where(t.instance_id == i.id, t.part.in_(HANDLING),
                                              sa.or_(t.unit == f.unit, t.person.in_(list(f.unit_people))))))
    if f.overdue is not None:
        where.append(overdue_clause(now) if f.overdue else sa.not_(overdue_clause(now)))
    if f.q:
        where.append(found_by(conn, f.q, T_ITEM.c.id))
    if f.created_from is not None:
        where.append(i.created_at >= f.created_from)
    if f.created_before is not None:
        where.append(i.created_at < f.created_before)
    if f.ids is not None:
        where.append(i.id.in_(list(f.ids)) if f.ids else sa.false())
    return where


def load(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime
         ) -> tuple[list[Any], dict[int, list[Any]], dict[int, int]]:
    """The narrowed items (oldest first), their tasks, and each item's number of chases (催办次数)."""
    ids = sa.select(T_ITEM.c.id).where(*narrowed(conn, viewer, narrowing, now))
    items = list(conn.execute(sa.select(T_ITEM).where(T_ITEM.c.id.in_(ids)).order_by(T_ITEM.c.id)))
    return (items, *tasks_and_chases(conn, ids))


def tasks_and_chases(conn: Connection, ids: Any) -> tuple[dict[int, list[Any]], dict[int, int]]:
    """The tasks of the items `ids` (a list or a SELECT of ids) by item, in id order, with the columns the board
    and the ledger read, and each item's number of chases (催办次数)."""
    t, e = T_TASK.c, T_EVENT.c
    tasks: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(sa.select(t.id, t.instance_id, t.step, t.kind, t.part, t.person, t.unit, t.role, t.state,
                                    t.due_at, t.closed_at, t.card, t.chase_count)
                          .where(t.instance_id.in_(ids)).order_by(t.id)):
        tasks[r.instance_id].append(r)
    chases = dict(conn.execute(sa.select(e.instance_id, sa.func.count()).where(
        e.instance_id.in_(ids), e.kind == "chase").group_by(e.instance_id)).all())
    return tasks, chases


def overdue_task_refs(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime,
                      limit: int) -> list[Any]:
    """(id, instance_id) of open work tasks past due in the narrowed running items, most overdue first."""
    t = T_TASK.c
    ids = sa.select(T_ITEM.c.id).where(*narrowed(conn, viewer, narrowing, now), T_ITEM.c.state == ItemState.running.value)
    return list(conn.execute(sa.select(t.id, t.instance_id).where(
        t.instance_id.in_(ids), t.kind.in_(OVERDUE_KINDS_SQL), task_overdue_clause(now))
        .order_by(t.due_at, t.id).limit(limit)))
