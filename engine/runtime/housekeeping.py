"""Housekeeping: what no request can use any more is deleted on a schedule (the scheduler's `purge` job):
expired or revoked sign-in tokens, old sign-in attempts, old Idempotency-Keys. Retention comes from the settings
(DUBAN_TOKEN_RETENTION_DAYS, DUBAN_ATTEMPT_RETENTION_DAYS, DUBAN_IDEMPOTENCY_RETENTION_HOURS); the SQL lives in
engine.store.tokens. Idempotent: a second run at the same moment deletes nothing. The audit trail is not
touched (every sign-in stays recorded there)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from engine.runtime.site import Site
from engine.settings import settings
from engine.store import db, tokens

log = logging.getLogger("duban.housekeeping")


def purge(site: Site, now: datetime) -> dict[str, int]:
    """Delete what is past its retention at `now` (sign-in time: real time, also in drill mode); the counts."""
    s = settings()
    with db.write(site.eng) as conn:
        counts = tokens.purge(conn=conn, now=now,
                              tokens_before=now - timedelta(days=s.token_retention_days),
                              attempts_before=now - timedelta(days=s.attempt_retention_days),
                              keys_before=now - timedelta(hours=s.idempotency_retention_hours))
    log.info("purge: %d token(s), %d sign-in attempt(s), %d idempotency key(s) deleted",
             counts["tokens"], counts["attempts"], counts["idempotency_keys"])
    return counts
