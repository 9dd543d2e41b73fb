"""Timer rows (invariant 2): arming, superseding and cancelling a task's timers, and the sweep's claim.

A timer is a row with a unique key; a sweep claims due rows (on PostgreSQL item rows then timers are locked with
`FOR UPDATE SKIP LOCKED`, the same order user actions take), so two sweepers never fire one timer and a restart
never loses one."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store import db
from engine.store.tables import Instance, Timer

T_TIMER, T_ITEM = Timer.__table__, Instance.__table__
INSERT_TIMER = T_TIMER.insert()
END_PENDING = T_TIMER.update().where(T_TIMER.c.task_id == sa.bindparam("_task"),
                                     T_TIMER.c.state == sa.bindparam("_pending", "pending"))
SET_STATE = T_TIMER.update().where(T_TIMER.c.id == sa.bindparam("_id"))


def insert(*, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Arm timers (dicts with the timer columns), one statement."""
    if rows:
        conn.execute(INSERT_TIMER, rows)


def end_pending(*, conn: Connection, task_id: int, state: str) -> None:
    """A task's pending timers end as `cancelled` (the task closed) or `superseded` (its due time moved)."""
    conn.execute(END_PENDING, {"_task": task_id, "state": state})


def revive(*, conn: Connection, task_id: int, after: datetime) -> None:
    """A recalled task (撤回) is open again: its timers cancelled when it closed, and still ahead, are pending again."""
    conn.execute(T_TIMER.update().where(T_TIMER.c.task_id == task_id, T_TIMER.c.state == "cancelled",
                                        T_TIMER.c.fire_at > after).values(state="pending"))


def set_state(*, conn: Connection, timer_id: int, state: str) -> None:
    conn.execute(SET_STATE, {"_id": timer_id, "state": state})


def set_states(*, conn: Connection, ids: list[int], state: str) -> None:
    """Several claimed timers end in one state (e.g. `cancelled` for timers of closed tasks), one statement."""
    if ids:
        conn.execute(T_TIMER.update().where(T_TIMER.c.id.in_(ids)).values(state=state))


def failed(*, conn: Connection, timer_id: int, attempts: int, error: str, retry_at: datetime | None) -> None:
    """A timer whose firing failed: pending again at `retry_at`, or `failed` for good (retry_at None)."""
    values: dict[str, Any] = {"state": "pending" if retry_at else "failed", "attempts": attempts,
                              "error": error[:2000]}
    if retry_at is not None:
        values["fire_at"] = retry_at
    conn.execute(T_TIMER.update().where(T_TIMER.c.id == timer_id).values(**values))


def claim(*, conn: Connection, now: datetime, limit: int) -> list[Any]:
    """Due timers (rows with every timer column), claimed: marked `fired` at `now` in the caller's transaction."""
    c = T_TIMER.c
    due = sa.and_(c.state == "pending", c.fire_at <= now)
    if db.is_postgres(conn):
        ids = list(conn.execute(sa.select(c.instance_id).where(due).group_by(c.instance_id)
                                .order_by(sa.func.min(c.fire_at)).limit(limit)).scalars())
        if not ids:
            return []
        locked = list(conn.execute(sa.select(T_ITEM.c.id).where(T_ITEM.c.id.in_(ids))
                                   .with_for_update(skip_locked=True)).scalars())
        if not locked:
            return []
        q = sa.select(T_TIMER).where(due, c.instance_id.in_(locked)).order_by(c.fire_at, c.id).limit(limit) \
            .with_for_update(skip_locked=True)
    else:
        q = sa.select(T_TIMER).where(due).order_by(c.fire_at, c.id).limit(limit)
    rows = list(conn.execute(q))
    if rows:
        conn.execute(T_TIMER.update().where(c.id.in_([r.id for r in rows])).values(state="fired", fired_at=now))
    return rows
