"""The SQL of 办结评价 reads: closed items' ratings counted by lead unit (visible to the viewer), and the rated
items an appraisal period counts (engine.appraisal.metrics `satisfaction`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.lists import visible_clause
from engine.store.tables import Event, Instance, Task

T_ITEM, T_TASK, T_EVENT = Instance.__table__, Task.__table__, Event.__table__


def counts_by_unit(*, conn: Connection, viewer: Any, start: datetime | None = None,
                   end: datetime | None = None) -> dict[str, dict[str, int]]:
    """{lead unit: {rating: count}} over the items with a rating that `viewer` may see, closed in [start, end)."""
    i = T_ITEM.c
    where = [i.rating.is_not(None), i.lead_unit.is_not(None), visible_clause(viewer)]
    if start is not None:
        where.append(i.closed_at >= start)
    if end is not None:
        where.append(i.closed_at < end)
    rows = conn.execute(sa.select(i.lead_unit, i.rating, sa.func.count()).where(*where)
                        .group_by(i.lead_unit, i.rating).order_by(i.lead_unit))
    out: dict[str, dict[str, int]] = {}
    for unit, value, n in rows:
        out.setdefault(unit, {})[value] = int(n)
    return out


def rated_in(*, conn: Connection, start: datetime, end: datetime) -> list[Any]:
    """The ratings given in [start, end) (the `rate` events), each with its item's lead tasks of the handling
    step (done): (instance_id, rating, at, task id, person, unit, role, closed_by) rows, one per lead task."""
    e, t = T_EVENT.c, T_TASK.c
    rates = sa.select(e.instance_id, e.at, T_ITEM.c.rating).join(T_ITEM, T_ITEM.c.id == e.instance_id).where(
        e.kind == "rate", e.at >= start, e.at < end).subquery()
    q = sa.select(rates.c.instance_id, rates.c.rating, rates.c.at, t.id, t.person, t.unit, t.role, t.closed_by) \
        .join(T_TASK, sa.and_(t.instance_id == rates.c.instance_id, t.part == "lead", t.kind == "work",
                              t.state == "done")).order_by(rates.c.instance_id, t.id)
    return list(conn.execute(q))
