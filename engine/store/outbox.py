"""The outbox's dispatch side (the rows are written by engine.runtime.site's apply, in the change's transaction):
claim due rows under a lease, record each send's outcome, count rows by state, put a dead row back."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import Outbox

T_OUT = Outbox.__table__


def claim_due(*, conn: Connection, now: datetime, lease_until: datetime, limit: int) -> list[Any]:
    """Mark up to `limit` due rows 'sending' until `lease_until` and return them (id, channel, title, body,
    attempts, link). A 'sending' row past its lease belongs to a crashed dispatcher and is due again. On PostgreSQL rows
    locked by another dispatcher are skipped; on SQLite the write transaction (BEGIN IMMEDIATE) serialises."""
    c = T_OUT.c
    rows = conn.execute(
        sa.select(c.id, c.channel, c.title, c.body, c.attempts, c.link)
        .where(c.state.in_(("pending", "failed", "sending")), c.next_attempt_at <= now).order_by(c.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if rows:
        conn.execute(T_OUT.update().where(c.id.in_([r.id for r in rows]))
                     .values(state="sending", next_attempt_at=lease_until))
    return rows


def record_outcome(*, conn: Connection, outbox_id: int, lease_until: datetime, values: dict) -> bool:
    """Write a send's outcome (state, attempts, error, times) only if our claim still holds; True if it did."""
    c = T_OUT.c
    return conn.execute(T_OUT.update().where(c.id == outbox_id, c.state == "sending",
                                             c.next_attempt_at == lease_until).values(**values)).rowcount == 1


def counts_by_state(*, conn: Connection) -> dict[str, int]:
    return {s: int(n) for s, n in conn.execute(sa.select(T_OUT.c.state, sa.func.count()).group_by(T_OUT.c.state))}


def state_of(*, conn: Connection, outbox_id: int) -> str | None:
    return conn.execute(sa.select(T_OUT.c.state).where(T_OUT.c.id == outbox_id)).scalar()


def requeue(*, conn: Connection, outbox_id: int, now: datetime) -> None:
    """Back to pending with a fresh set of attempts (the last error is kept)."""
    conn.execute(T_OUT.update().where(T_OUT.c.id == outbox_id).values(state="pending", attempts=0,
                                                                       next_attempt_at=now))
