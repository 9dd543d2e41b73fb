"""The SQL of proxies while on leave (代理): insert one, revoke one, and read them as engine.core.proxies.Proxy —
those in force at an instant, those of a person (given or received), one by id, and a principal's unrevoked ones
that may overlap a new period. The rules live in engine.core.proxies.

The proxies in force are read once per transaction and instant: an action asks whom its caller stands in for, then
each of its notices asks who stands in for the people told; all of them get the one read (the proxies in force are
few, the people on leave, so they are filtered in Python). Giving or revoking one in a transaction forgets it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.proxies import Proxy
from engine.store.tables import Proxy as ProxyRow

T_PROXY = ProxyRow.__table__
LIST_LIMIT = 200  # a person's proxies shown, newest first
_IN_FORCE = sa.select(T_PROXY).where(T_PROXY.c.revoked_at.is_(None), T_PROXY.c.starts_at <= sa.bindparam("now"),
                                     T_PROXY.c.until > sa.bindparam("now")).order_by(T_PROXY.c.id)
_MEMO = "duban.proxies_in_force"  # key in the connection's info: (transaction, now, proxies)


def _proxy(r: Any) -> Proxy:
    return Proxy(id=r.id, principal=r.principal, proxy=r.proxy, starts_at=r.starts_at, until=r.until,
                 note=r.note or "", created_by=r.created_by, created_at=r.created_at, revoked_at=r.revoked_at,
                 revoked_by=r.revoked_by)


def insert_proxy(*, conn: Connection, principal: str, proxy: str, starts_at: datetime, until: datetime, note: str,
                 created_by: str, created_at: datetime) -> int:
    conn.info.pop(_MEMO, None)
    return conn.execute(T_PROXY.insert().values(
        principal=principal, proxy=proxy, starts_at=starts_at, until=until, note=note, created_by=created_by,
        created_at=created_at)).inserted_primary_key[0]


def revoke(*, conn: Connection, proxy_id: int, by: str, at: datetime) -> bool:
    """Mark a proxy revoked (once); True when this call revoked it."""
    c = T_PROXY.c
    conn.info.pop(_MEMO, None)
    return conn.execute(T_PROXY.update().where(c.id == proxy_id, c.revoked_at.is_(None))
                        .values(revoked_at=at, revoked_by=by)).rowcount == 1


def proxy(*, conn: Connection, proxy_id: int) -> Proxy | None:
    r = conn.execute(sa.select(T_PROXY).where(T_PROXY.c.id == proxy_id)).first()
    return _proxy(r) if r else None


def active_proxies(*, conn: Connection, now: datetime, login: str | None = None) -> list[Proxy]:
    """The proxies in force at `now` (not revoked, started, not yet over); with `login`, only those where they are
    the principal or the proxy. Read once per transaction and `now` (see above)."""
    txn = conn.get_transaction()
    memo = conn.info.get(_MEMO)
    if txn is not None and memo is not None and memo[0] is txn and memo[1] == now:
        found = memo[2]
    else:
        found = [_proxy(r) for r in conn.execute(_IN_FORCE, {"now": now})]
        if txn is not None:
            conn.info[_MEMO] = (txn, now, found)
    if login is not None:
        return [p for p in found if login in (p.proxy, p.principal)]
    return list(found)


def open_proxies_of(*, conn: Connection, principal: str, after: datetime) -> list[Proxy]:
    """A principal's unrevoked proxies that end after `after` (the ones a new period may overlap)."""
    c = T_PROXY.c
    return [_proxy(r) for r in conn.execute(sa.select(T_PROXY).where(
        c.principal == principal, c.revoked_at.is_(None), c.until > after).order_by(c.id))]


def proxies_of(*, conn: Connection, login: str) -> list[Proxy]:
    """The proxies a person gave or received, newest first (at most LIST_LIMIT)."""
    c = T_PROXY.c
    return [_proxy(r) for r in conn.execute(sa.select(T_PROXY).where(
        sa.or_(c.principal == login, c.proxy == login)).order_by(c.id.desc()).limit(LIST_LIMIT))]
