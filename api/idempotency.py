"""Idempotency-Key for task actions: per (key, person) the first successful response is stored and replayed.

The key row is inserted first, in its own transaction, as "in progress"; a unique violation means another
request holds the key, so a concurrent duplicate waits for the stored response instead of acting again.
A request that fails changes nothing (engine invariant), so its key is released for a retry."""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import Any, Callable

from api.errors import IdempotencyBusy, IdempotencyReused
from engine.clock import Clock, monotonic
from engine.core import codec
from engine.runtime.site import Site
from engine.store import db, tokens

IN_PROGRESS = tokens.KEY_IN_PROGRESS
WAIT_SECONDS = 10.0          # how long a duplicate waits for the first request to finish
ABANDONED_AFTER = timedelta(minutes=5)  # an in-progress key older than this belongs to a crashed request


def fingerprint(**request: Any) -> str:
    """The same request gives the same fingerprint (engine.core.codec's canonical JSON)."""
    return hashlib.sha256(codec.dumps(request).encode()).hexdigest()


# ------------------------------------------------------------------ the protocol
def once(site: Site, clock: Clock, *, key: str, person: str, fp: str, run: Callable[[], dict],
         status: int = 200) -> tuple[int, dict, bool]:
    """(status, body, replayed): run `run` at most once per (key, person); replay the stored body after."""
    deadline = monotonic() + WAIT_SECONDS
    while True:
        with db.write(site.eng) as conn:
            claimed = tokens.claim_key(conn=conn, key=key, person=person, now=clock.now())
        if claimed:
            break
        with db.read(site.eng) as conn:
            row = tokens.find_key(conn=conn, key=key, person=person)
        if row is not None and row.status != IN_PROGRESS:
            if row.response.get("fingerprint") != fp:
                raise IdempotencyReused.of("idem_reused", {"idempotency_key": key})
            return row.status, row.response["body"], True
        if row is not None and row.created_at < clock.now() - ABANDONED_AFTER:
            with db.write(site.eng) as conn:
                tokens.release_key(conn=conn, key=key, person=person, only_if_before=clock.now() - ABANDONED_AFTER)
            continue
        if monotonic() > deadline:
            raise IdempotencyBusy.of("idem_busy", {"idempotency_key": key})
        time.sleep(0.02)  # the first request is still acting: wait for its answer
    try:
        body = run()
    except BaseException:
        with db.write(site.eng) as conn:
            tokens.release_key(conn=conn, key=key, person=person)
        raise
    with db.write(site.eng) as conn:
        tokens.finish_key(conn=conn, key=key, person=person, status=status, response={"fingerprint": fp, "body": body})
    return status, body, False
