"""Housekeeping: expired or revoked sign-in tokens, old sign-in attempts and old Idempotency-Keys are purged on a
schedule, by retention (settings), once: a second run deletes nothing, and nothing still in use is touched."""
from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from engine.runtime import housekeeping
from engine.runtime.scheduler import start_scheduler
from engine.store import db, tokens
from engine.store.tables import AccessToken, IdempotencyKey, LoginAttempt
from tests.support.servers import wait_for


def rows(site, table) -> int:
    with db.read(site.eng) as c:
        return c.execute(sa.select(sa.func.count()).select_from(table.__table__)).scalar()


def a_month_of_sign_ins(site, clock):
    """Five weeks of the office's mornings: a token, a failed guess and a task action's key each working day."""
    for day in range(35):
        now = clock.now()
        with db.write(site.eng) as conn:
            tokens.insert_token(conn=conn, token_hash=f"{day:064d}", login="clerk", now=now,
                                expires_at=now + timedelta(hours=12))
            tokens.claim_attempt(conn=conn, login="clerk", client="10.1.2.3", at=now)
            tokens.claim_key(conn=conn, key=f"key-{day}", person="clerk", now=now)
            tokens.finish_key(conn=conn, key=f"key-{day}", person="clerk", status=200, response={"ok": True})
        clock.advance(timedelta(days=1))


def test_the_purge_keeps_what_is_in_use_and_deletes_the_rest_once(site, clock, caplog):
    a_month_of_sign_ins(site, clock)
    now = clock.now()  # day 35: every earlier token lasted 12 hours and has expired
    with db.write(site.eng) as conn:  # and one token signed in just now, live
        tokens.insert_token(conn=conn, token_hash="f" * 64, login="leader", now=now,
                            expires_at=now + timedelta(hours=12))
    with caplog.at_level(logging.INFO, logger="duban.housekeeping"):
        counts = housekeeping.purge(site, now)
    # tokens: expired more than 7 days ago (retention); attempts: older than 30 days; keys: older than 48 hours
    assert counts == {"tokens": 28, "attempts": 5, "idempotency_keys": 33}
    assert (rows(site, AccessToken), rows(site, LoginAttempt), rows(site, IdempotencyKey)) == (8, 30, 2)
    with db.read(site.eng) as conn:
        assert tokens.login_of_token(conn=conn, token_hash="f" * 64, now=now) is not None
    assert "purge: 28 token(s), 5 sign-in attempt(s), 33 idempotency key(s) deleted" in caplog.text
    assert housekeeping.purge(site, now) == {"tokens": 0, "attempts": 0, "idempotency_keys": 0}


def test_retention_follows_the_settings(site, clock, monkeypatch):
    a_month_of_sign_ins(site, clock)
    monkeypatch.setenv("DUBAN_TOKEN_RETENTION_DAYS", "0")
    monkeypatch.setenv("DUBAN_ATTEMPT_RETENTION_DAYS", "7")
    monkeypatch.setenv("DUBAN_IDEMPOTENCY_RETENTION_HOURS", "240")
    counts = housekeeping.purge(site, clock.now())
    assert counts == {"tokens": 35, "attempts": 28, "idempotency_keys": 25}


def test_a_revoked_token_goes_after_its_retention_even_before_it_expires(site, clock):
    now = clock.now()
    with db.write(site.eng) as conn:
        tokens.insert_token(conn=conn, token_hash="a" * 64, login="clerk", now=now, expires_at=now + timedelta(days=30))
        tokens.revoke_token(conn=conn, token_hash="a" * 64, now=now)
    assert housekeeping.purge(site, now + timedelta(days=6))["tokens"] == 0
    assert housekeeping.purge(site, now + timedelta(days=8))["tokens"] == 1


def test_the_scheduler_runs_exactly_one_purge_job(site, clock):
    a_month_of_sign_ins(site, clock)  # all of it long past in real time
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600, purge_seconds=3600)
    try:
        purges = [j for j in sched.get_jobs() if j.func is not None and j.id == "purge"]
        assert len(purges) == 1 and purges[0].max_instances == 1 and purges[0].coalesce is True
        assert wait_for(lambda: rows(site, AccessToken) == 0 and rows(site, IdempotencyKey) == 0)
    finally:
        sched.shutdown(wait=True)
