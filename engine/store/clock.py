"""The drill clock's stored time (one row of `drill_clock`): read at start, written whenever the drill clock moves,
so that a restarted drill continues where it was instead of falling back to the wall clock."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import DrillClock

T = DrillClock.__table__


def drill_time(*, conn: Connection) -> datetime | None:
    """The stored drill time, or None when this database never ran a drill."""
    return conn.execute(sa.select(T.c.now).where(T.c.id == 1)).scalar_one_or_none()


def save_drill_time(*, conn: Connection, now: datetime, moved_at: datetime) -> None:
    """Store the drill clock's time (`moved_at`: the real time of the move)."""
    if conn.execute(T.update().where(T.c.id == 1).values(now=now, moved_at=moved_at)).rowcount == 0:
        conn.execute(T.insert().values(id=1, now=now, moved_at=moved_at))
