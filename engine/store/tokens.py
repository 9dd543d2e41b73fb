"""Sign-in state in the database: bearer tokens (stored as their sha256, with expiry and revocation), the
sign-in attempts that the per-account rate limit counts, password hashes, and the Idempotency-Key rows of task
actions. Keyword-only functions that take the connection; the protocols live in api.auth and api.idempotency."""
from __future__ import annotations

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


def recent_failures(*, conn: Connection, login: str, now: datetime, window: timedelta, limit: int) -> list[datetime]:
    """Failed attempts inside the window and after the last success, newest first (at most `limit`)."""
    a = T_ATTEMPT.c
    last_ok = conn.execute(sa.select(sa.func.max(a.at)).where(a.login == login, a.ok.is_(True))).scalar()
    since = max(now - window, last_ok) if last_ok else now - window
    return list(conn.execute(sa.select(a.at).where(a.login == login, a.ok.is_(False), a.at > since)
                             .order_by(a.at.desc()).limit(limit)).scalars())


def record_attempt(*, conn: Connection, login: str, at: datetime, ok: bool) -> None:
    conn.execute(T_ATTEMPT.insert().values(login=login, at=at, ok=ok))


# ------------------------------------------------------------------ tokens
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
