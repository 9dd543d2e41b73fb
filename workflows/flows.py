"""The periodic work of a site as Prefect flows: thin wrappers over the engine's functions, no rule of their own.

Each flow takes the database from its `database_url` parameter or, as deployments leave it empty, from the
worker's DUBAN_DATABASE_URL (credentials stay on the worker, never in Prefect). `now` is an argument like
everywhere in the engine: empty means the wall clock; tests and drills pass a moment.
"""
from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.tasks import exponential_backoff

from engine.clock import ManualClock, SystemClock
from engine.runtime import housekeeping
from engine.runtime.outbox import dispatch
from engine.runtime.site import Site
from engine.runtime.sweep import sweep
from engine.store import db
from engine.store.db import Engine

SWEEP_FLOW, DISPATCH_FLOW, PURGE_FLOW = "duban-timer-sweep", "duban-outbox-dispatch", "duban-housekeeping"

_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def site_for(database_url: str | None = None, now: datetime | None = None) -> Site:
    """A site on the database (one connection pool per URL and process), on the wall clock or fixed at `now`."""
    url = db.database_url(database_url)
    with _ENGINES_LOCK:
        eng = _ENGINES.get(url)
        if eng is None:
            eng = _ENGINES[url] = db.make_engine(url)
    return Site(eng, ManualClock(now) if now is not None else SystemClock())


def forget_sites() -> None:
    """Close every pool this process opened for flows (tests; a worker process simply exits)."""
    with _ENGINES_LOCK:
        for eng in _ENGINES.values():
            eng.dispose()
        _ENGINES.clear()


# ------------------------------------------------------------------ timer sweep
@task(name="sweep due timers", retries=0)  # a failed sweep is retried by the next scheduled run, 30 s later
def sweep_timers(database_url: str | None, now: datetime | None, batch_size: int) -> dict:
    result = sweep(site_for(database_url, now), now=now, batch_size=batch_size)
    return {"fired": [asdict(f) for f in result.fired], "failed": [list(x) for x in result.failed],
            "stale": result.stale}


@flow(name=SWEEP_FLOW, description="Claim due timers and fire each once (engine.sweep.sweep).")
def timer_sweep(database_url: str | None = None, now: datetime | None = None, batch_size: int = 500) -> dict:
    """One timer sweep; returns what fired, what failed and how many stale timers were closed."""
    result = sweep_timers(database_url, now, batch_size)
    if result["fired"] or result["failed"]:
        get_run_logger().info("fired %d timer(s), %d failed, %d stale", len(result["fired"]),
                              len(result["failed"]), result["stale"])
    return result


# ------------------------------------------------------------------ outbox dispatch
@task(name="dispatch an outbox batch", retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5)
def dispatch_batch(database_url: str | None, now: datetime | None, limit: int) -> dict:
    """Prefect retries the batch when it raises (database gone, say). A message that a channel refuses is no
    exception: the engine records it and backs off per message (30 s … 6 h), so nothing is sent twice."""
    return asdict(dispatch(site_for(database_url, now), limit=limit))


@flow(name=DISPATCH_FLOW, description="Send due outbox messages through their channels (engine.notify.dispatch).")
def outbox_dispatch(database_url: str | None = None, now: datetime | None = None, limit: int = 100,
                    max_batches: int = 20) -> dict:
    """Dispatch batches until the outbox has no due message (at most `max_batches`); returns the row ids."""
    total: dict[str, list[int]] = {"sent": [], "failed": [], "dead": []}
    for _ in range(max_batches):
        batch = dispatch_batch(database_url, now, limit)
        for state, ids in batch.items():
            total[state].extend(ids)
        if sum(len(ids) for ids in batch.values()) < limit:
            break
    if any(total.values()):
        get_run_logger().info("outbox: %d sent, %d failed, %d dead",
                              *(len(total[k]) for k in ("sent", "failed", "dead")))
    return total


# ------------------------------------------------------------------ housekeeping
@flow(name=PURGE_FLOW, description="Delete expired tokens, old sign-in attempts and idempotency keys "
                                   "(engine.runtime.housekeeping.purge).")
def housekeeping_purge(database_url: str | None = None, now: datetime | None = None) -> dict:
    """One purge by the retention settings; returns the counts deleted (a second run deletes nothing)."""
    counts = housekeeping.purge(site_for(database_url, now), now or SystemClock().now())
    get_run_logger().info("purge: %d token(s), %d sign-in attempt(s), %d idempotency key(s) deleted",
                          counts["tokens"], counts["attempts"], counts["idempotency_keys"])
    return counts
