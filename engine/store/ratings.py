"""The SQL of 办结评价 for the appraisal: the ratings given in a period with the lead tasks they count for
(engine.appraisal.rating_metrics)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import Event, Instance, Task

T_ITEM, T_TASK, T_EVENT = Instance.__table__, Task.__table__, Event.__table__


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
