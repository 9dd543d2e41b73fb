"""Server leases (`server_lease`): each running `duban serve` keeps one row fresh (engine.runtime.lease), and
`duban restore` refuses while a fresh one exists (engine.store.backup). Times are the wall clock's, even in a drill.

A role that one server of the site holds at a time (the scheduler) is a row of its own, id `role:<name>`, naming its
holder's lease in `address`: a server takes it when nobody holds it or when its holder's heartbeat is older than
`within` (the holder died), and renews it with its own heartbeat. Role rows are not servers: `fresh` leaves them out."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.store.tables import ServerLease

T = ServerLease.__table__
ROLE = "role:"  # the id prefix of a role's row


def hold(*, conn: Connection, lease_id: str, host: str, pid: int, address: str, now: datetime) -> None:
    """Take or renew the lease `lease_id` (a renewal puts the row back if a restore removed it)."""
    if conn.execute(T.update().where(T.c.id == lease_id).values(heartbeat_at=now)).rowcount == 0:
        conn.execute(T.insert().values(id=lease_id, host=host[:255], pid=pid, address=address[:255],
                                       started_at=now, heartbeat_at=now))


def release(*, conn: Connection, lease_id: str) -> None:
    conn.execute(T.delete().where(T.c.id == lease_id))


def fresh(*, conn: Connection, now: datetime, within: timedelta) -> list[dict]:
    """The leases renewed within `within` before `now`: the servers still running, oldest first."""
    rows = conn.execute(sa.select(T).where(T.c.heartbeat_at >= now - within, ~T.c.id.startswith(ROLE))
                        .order_by(T.c.started_at))
    return [dict(r._mapping) for r in rows]


def hold_role(*, conn: Connection, role: str, lease_id: str, host: str, pid: int, now: datetime,
              within: timedelta) -> bool:
    """Take or renew `role` for the lease `lease_id`: True when it holds the role now. It is taken over only from a
    holder whose heartbeat is older than `within`; of two servers trying at once one wins (the row's lock on
    PostgreSQL, the one writer on SQLite, the primary key when both insert)."""
    rid = ROLE + role
    took = conn.execute(T.update().where(T.c.id == rid, sa.or_(T.c.address == lease_id,
                                                               T.c.heartbeat_at < now - within))
                        .values(host=host[:255], pid=pid, address=lease_id, heartbeat_at=now,
                                started_at=sa.case((T.c.address == lease_id, T.c.started_at), else_=now)))
    if took.rowcount == 1:
        return True
    if conn.execute(sa.select(T.c.id).where(T.c.id == rid)).first() is not None:
        return False  # held by a live server
    try:
        with conn.begin_nested():
            conn.execute(T.insert().values(id=rid, host=host[:255], pid=pid, address=lease_id, started_at=now,
                                           heartbeat_at=now))
    except IntegrityError:
        return False  # another server inserted it first
    return True


def release_role(*, conn: Connection, role: str, lease_id: str) -> None:
    """Give the role up (a clean stop): the next server to renew takes it at once."""
    conn.execute(T.delete().where(T.c.id == ROLE + role, T.c.address == lease_id))


def role_holder(*, conn: Connection, role: str) -> dict | None:
    """The role's row (its holder's lease id is `address`), or None."""
    r = conn.execute(sa.select(T).where(T.c.id == ROLE + role)).first()
    return dict(r._mapping) if r else None


def clear(*, conn: Connection) -> int:
    """Forget every lease (after a restore: the rows came from the backup, not from servers running now)."""
    return conn.execute(T.delete()).rowcount
