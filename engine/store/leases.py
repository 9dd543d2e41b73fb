"""Server leases (`server_lease`): each running `duban serve` keeps one row fresh (engine.runtime.lease), and
`duban restore` refuses while a fresh one exists (engine.store.backup). Times are the wall clock's, even in a drill."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import ServerLease

T = ServerLease.__table__


def hold(*, conn: Connection, lease_id: str, host: str, pid: int, address: str, now: datetime) -> None:
    """Take or renew the lease `lease_id` (a renewal puts the row back if a restore removed it)."""
    if conn.execute(T.update().where(T.c.id == lease_id).values(heartbeat_at=now)).rowcount == 0:
        conn.execute(T.insert().values(id=lease_id, host=host[:255], pid=pid, address=address[:255],
                                       started_at=now, heartbeat_at=now))


def release(*, conn: Connection, lease_id: str) -> None:
    conn.execute(T.delete().where(T.c.id == lease_id))


def fresh(*, conn: Connection, now: datetime, within: timedelta) -> list[dict]:
    """The leases renewed within `within` before `now`: the servers still running, oldest first."""
    rows = conn.execute(sa.select(T).where(T.c.heartbeat_at >= now - within).order_by(T.c.started_at))
    return [dict(r._mapping) for r in rows]


def clear(*, conn: Connection) -> int:
    """Forget every lease (after a restore: the rows came from the backup, not from servers running now)."""
    return conn.execute(T.delete()).rowcount
