"""Sign-in state in the database: bearer tokens (stored as their sha256, with expiry and revocation), the
sign-in attempts that the per-account rate limit counts, password hashes, and the Idempotency-Key rows of task
actions. Keyword-only functions that take the connection; the protocols live in api.auth and api.idempotency."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from engine.store.tables import AccessToken, IdempotencyKey, LoginAttempt, Person

T_TOKEN, T_ATTEMPT, T_PERSON = AccessToken.__table__, LoginAttempt.__table__, Person.__table__
T_KEY = IdempotencyKey.__table__
KEY_IN_PROGRESS = 0


# ------------------------------------------------------------------ passwords and attempts
def password_hash_of(*, conn: Connection, login: str) -> str | None:
    """The password hash of an active account, or None."""
    return conn.execute(sa.select(T_PERSON.c.password_hash)
                        .where(T_PERSON.c.login == login, T_PERSON.c.active.is_(True))).scalar()


def lock_attempts(*, conn: Connection, login: str, client: str) -> None:
    """Serialise the sign-in attempts of one (login, client) until the transaction ends. SQLite's write
    transactions are serialised already (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped advisory lock
    keyed by a hash of the pair, so replicas on the same database queue for it too and no rows need creating."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"duban-signin\x00{login}\x00{client}".encode()).digest()[:8], "big",
                             signed=True)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def recent_failures(*, conn: Connection, login: str, client: str, now: datetime, window: timedelta,
                    limit: int) -> list[datetime]:
    """Failed (or still unsettled) attempts of (login, client) inside the window and after its last success, in
    the order they were claimed (under lock_attempts), oldest first; at most `limit`, the newest ones, of which
    the oldest decides when the lock lifts."""
    a = T_ATTEMPT.c
    pair = (a.login == login, a.client == client)
    recent = (*pair, a.at > now - window)
    last_ok = conn.execute(sa.select(sa.func.max(a.id)).where(*recent, a.ok.is_(True))).scalar() or 0
    newest = list(conn.execute(sa.select(a.at).where(*recent, a.ok.is_(False), a.id > last_ok)
                               .order_by(a.id.desc()).limit(limit)).scalars())
    return newest[::-1]


def claim_attempt(*, conn: Connection, login: str, client: str, at: datetime) -> int:
    """Write an attempt as failed before its password is checked; its id, to settle it when it succeeds."""
    return conn.execute(T_ATTEMPT.insert().values(login=login, client=client, at=at, ok=False)
                        .returning(T_ATTEMPT.c.id)).scalar_one()


def settle_attempt(*, conn: Connection, attempt: int) -> None:
    """The claimed attempt succeeded."""
    conn.execute(T_ATTEMPT.update().where(T_ATTEMPT.c.id == attempt).values(ok=True))


# ------------------------------------------------------------------ tokens
def withdraw_attempt(*, conn: Connection, attempt: int) -> None:
    """Take back a claimed attempt that was never tried (the directory could not be reached)."""
    conn.execute(T_ATTEMPT.delete().where(T_ATTEMPT.c.id == attempt))


def insert_token(*, conn: Connection, token_hash: str, login: str, now: datetime, expires_at: datetime) -> None:
    conn.execute(T_TOKEN.insert().values(token_hash=token_hash, person=login, created_at=now, expires_at=expires_at))


def login_of_token(*, conn: Connection, token_hash: str, now: datetime) -> tuple[str, datetime] | None:
    """(login, expires_at) of a live token, or None."""
    t = T_TOKEN.c
    row = conn.execute(sa.select(t.person, t.expires_at).where(t.token_hash == token_hash, t.revoked_at.is_(None),
                                                               t.expires_at > now)).first()
    return (row.person, row.expires_at) if row is not None else None


def revoke_person_tokens(*, conn: Connection, login: str, now: datetime) -> int:
    """Revoke every live token of one person (disabled, or given a new password); returns how many."""
    t = T_TOKEN.c
    return conn.execute(T_TOKEN.update().where(t.person == login, t.revoked_at.is_(None), t.expires_at > now)
                        .values(revoked_at=now)).rowcount


def revoke_token(*, conn: Connection, token_hash: str, now: datetime) -> bool:
    t = T_TOKEN.c
    return conn.execute(T_TOKEN.update().where(t.token_hash == token_hash, t.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount == 1


# ------------------------------------------------------------------ idempotency keys
def claim_key(*, conn: Connection, key: str, person: str, now: datetime) -> bool:
    """Insert the key as in progress; False when it exists already (another request holds or held it).
    The insert runs in a savepoint, so a refusal leaves the caller's transaction usable."""
    try:
        with conn.begin_nested():
            conn.execute(T_KEY.insert().values(key=key, person=person, status=KEY_IN_PROGRESS, response={},
                                               created_at=now))
    except IntegrityError:
        return False
    return True


def find_key(*, conn: Connection, key: str, person: str) -> Any:
    return conn.execute(sa.select(T_KEY).where(T_KEY.c.key == key, T_KEY.c.person == person)).first()


def finish_key(*, conn: Connection, key: str, person: str, status: int, response: dict) -> None:
    conn.execute(T_KEY.update().where(T_KEY.c.key == key, T_KEY.c.person == person)
                 .values(status=status, response=response))


def release_key(*, conn: Connection, key: str, person: str, only_if_before: datetime | None = None) -> None:
    """Delete an in-progress key (a failed request, or one abandoned before `only_if_before`)."""
    q = T_KEY.delete().where(T_KEY.c.key == key, T_KEY.c.person == person, T_KEY.c.status == KEY_IN_PROGRESS)
    if only_if_before is not None:
        q = q.where(T_KEY.c.created_at < only_if_before)
    conn.execute(q)


# ------------------------------------------------------------------ housekeeping
def purge(*, conn: Connection, now: datetime, tokens_before: datetime, attempts_before: datetime,
          keys_before: datetime) -> dict[str, int]:
    """Delete what no request can use any more: tokens expired or revoked before `tokens_before`, sign-in attempts
    made before `attempts_before`, idempotency keys created before `keys_before` (finished ones; an in-progress
    key that old belongs to a crashed request). Returns the counts deleted; running it twice deletes nothing
    more. `now` bounds the token rule, so that a live token is never deleted whatever the retention."""
    t, a, k = T_TOKEN.c, T_ATTEMPT.c, T_KEY.c
    cutoff = min(tokens_before, now)
    dead = sa.or_(t.expires_at < cutoff, t.revoked_at < cutoff)
    return {"tokens": conn.execute(T_TOKEN.delete().where(dead)).rowcount,
            "attempts": conn.execute(T_ATTEMPT.delete().where(a.at < attempts_before)).rowcount,
            "idempotency_keys": conn.execute(T_KEY.delete().where(k.created_at < keys_before)).rowcount}
