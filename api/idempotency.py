"""Idempotency-Key for task actions: per (key, person) the first successful response is stored and replayed.

The key row is inserted first, in its own transaction, as "in progress"; a unique violation means another
request holds the key, so a concurrent duplicate waits for the stored response instead of acting again.
A request that fails changes nothing (engine invariant), so its key is released for a retry."""
from __future__ import annotations

import hashlib
import time
from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.errors import IdempotencyBusy, IdempotencyReused
from engine.clock import Clock
from engine.core import codec
from engine.runtime.site import Site
from engine.store import db
from engine.store.tables import IdempotencyKey

T_KEY = IdempotencyKey.__table__
IN_PROGRESS = 0
WAIT_SECONDS = 10.0          # how long a duplicate waits for the first request to finish
ABANDONED_AFTER = timedelta(minutes=5)  # an in-progress key older than this belongs to a crashed request


def fingerprint(**request: Any) -> str:
    """The same request gives the same fingerprint (engine.core.codec's canonical JSON)."""
    return hashlib.sha256(codec.dumps(request).encode()).hexdigest()


# ------------------------------------------------------------------ repository
def claim(*, conn: Connection, key: str, person: str, now: datetime) -> None:
    """Insert the key as in progress; raises IntegrityError when it exists."""
    conn.execute(T_KEY.insert().values(key=key, person=person, status=IN_PROGRESS, response={}, created_at=now))


def find(*, conn: Connection, key: str, person: str) -> Any:
    return conn.execute(sa.select(T_KEY).where(T_KEY.c.key == key, T_KEY.c.person == person)).first()


def finish(*, conn: Connection, key: str, person: str, status: int, response: dict) -> None:
    conn.execute(T_KEY.update().where(T_KEY.c.key == key, T_KEY.c.person == person)
                 .values(status=status, response=response))


def release(*, conn: Connection, key: str, person: str, only_if_before: datetime | None = None) -> None:
    q = T_KEY.delete().where(T_KEY.c.key == key, T_KEY.c.person == person, T_KEY.c.status == IN_PROGRESS)
    if only_if_before is not None:
        q = q.where(T_KEY.c.created_at < only_if_before)
    conn.execute(q)


# ------------------------------------------------------------------ the protocol
def once(site: Site, clock: Clock, *, key: str, person: str, fp: str, run: Callable[[], dict],
         status: int = 200) -> tuple[int, dict, bool]:
    """(status, body, replayed): run `run` at most once per (key, person); replay the stored body after."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with db.write(site.eng) as conn:
                claim(conn=conn, key=key, person=person, now=clock.now())
            break
        except sa.exc.IntegrityError:
            pass
        with db.read(site.eng) as conn:
            row = find(conn=conn, key=key, person=person)
        if row is not None and row.status != IN_PROGRESS:
            if row.response.get("fingerprint") != fp:
                raise IdempotencyReused.of("idem_reused", {"idempotency_key": key})
            return row.status, row.response["body"], True
        if row is not None and row.created_at < clock.now() - ABANDONED_AFTER:
            with db.write(site.eng) as conn:
                release(conn=conn, key=key, person=person, only_if_before=clock.now() - ABANDONED_AFTER)
            continue
        if time.monotonic() > deadline:
            raise IdempotencyBusy.of("idem_busy", {"idempotency_key": key})
        time.sleep(0.02)  # the first request is still acting: wait for its answer
    try:
        body = run()
    except BaseException:
        with db.write(site.eng) as conn:
            release(conn=conn, key=key, person=person)
        raise
    with db.write(site.eng) as conn:
        finish(conn=conn, key=key, person=person, status=status, response={"fingerprint": fp, "body": body})
    return status, body, False
