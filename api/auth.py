"""Sign-in: argon2 password hashes, random bearer tokens stored as their sha256 with an expiry and a
revocation time, and a per-account limit on failed attempts (5 in 15 minutes) kept in the database
so that every replica enforces it. Repository functions are keyword-only and take the connection."""
from __future__ import annotations

import hashlib
import math
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from api.errors import TooManyAttempts, Unauthorized
from engine.clock import Clock
from engine.runtime import Site
from engine.store import db
from engine.store.tables import AccessToken, LoginAttempt, Person

T_TOKEN, T_ATTEMPT, T_PERSON = AccessToken.__table__, LoginAttempt.__table__, Person.__table__
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
MAX_LOGIN, MAX_PASSWORD = 64, 4096
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("duban: a password nobody has")


@dataclass(frozen=True)
class IssuedToken:
    token: str
    login: str
    expires_at: datetime


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; an unknown account costs the same time as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def token_hours() -> float:
    try:
        return max(0.01, float(os.environ.get("DUBAN_TOKEN_HOURS", "12")))
    except ValueError:
        return 12.0


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ------------------------------------------------------------------ repository
def password_hash_of(*, conn: Connection, login: str) -> str | None:
    return conn.execute(sa.select(T_PERSON.c.password_hash)
                        .where(T_PERSON.c.login == login, T_PERSON.c.active.is_(True))).scalar()


def recent_failures(*, conn: Connection, login: str, now: datetime) -> list[datetime]:
    """Failed attempts inside the window and after the last success, newest first."""
    a = T_ATTEMPT.c
    last_ok = conn.execute(sa.select(sa.func.max(a.at)).where(a.login == login, a.ok.is_(True))).scalar()
    since = max(now - WINDOW, last_ok) if last_ok else now - WINDOW
    return list(conn.execute(sa.select(a.at).where(a.login == login, a.ok.is_(False), a.at > since)
                             .order_by(a.at.desc()).limit(MAX_FAILURES)).scalars())


def record_attempt(*, conn: Connection, login: str, at: datetime, ok: bool) -> None:
    conn.execute(T_ATTEMPT.insert().values(login=login, at=at, ok=ok))


def insert_token(*, conn: Connection, token_hash: str, login: str, now: datetime, expires_at: datetime) -> None:
    conn.execute(T_TOKEN.insert().values(token_hash=token_hash, person=login, created_at=now, expires_at=expires_at))


def login_of_token(*, conn: Connection, token_hash: str, now: datetime) -> str | None:
    t = T_TOKEN.c
    return conn.execute(sa.select(t.person).where(t.token_hash == token_hash, t.revoked_at.is_(None),
                                                  t.expires_at > now)).scalar()


def revoke_token(*, conn: Connection, token_hash: str, now: datetime) -> bool:
    t = T_TOKEN.c
    return conn.execute(T_TOKEN.update().where(t.token_hash == token_hash, t.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount == 1


# ------------------------------------------------------------------ services
def retry_after(failures: list[datetime], now: datetime) -> int | None:
    """Seconds until the account may try again, or None when it may try now."""
    if len(failures) < MAX_FAILURES:
        return None
    return max(1, math.ceil((failures[MAX_FAILURES - 1] + WINDOW - now).total_seconds()))


def sign_in(site: Site, clock: Clock, login: str, password: str) -> IssuedToken:
    """A new token for the right password; Unauthorized for a wrong one; TooManyAttempts when locked."""
    now = clock.now()
    if not 0 < len(login) <= MAX_LOGIN or "\x00" in login or len(password) > MAX_PASSWORD:
        raise Unauthorized.of("bad_login")  # no such account can exist: nothing to count
    with db.read(site.eng) as conn:
        wait = retry_after(recent_failures(conn=conn, login=login, now=now), now)
        stored = password_hash_of(conn=conn, login=login)
    if wait is not None:
        raise TooManyAttempts(wait)
    ok = verify_password(stored, password) and login in site.org.people
    with db.write(site.eng) as conn:
        record_attempt(conn=conn, login=login, at=now, ok=ok)
        if not ok:
            failures = recent_failures(conn=conn, login=login, now=now)
        else:
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=token_hours())
            insert_token(conn=conn, token_hash=digest(token), login=login, now=now, expires_at=expires)
    if not ok:
        raise Unauthorized.of("bad_login", {"attempts_left": max(0, MAX_FAILURES - len(failures))})
    return IssuedToken(token, login, expires)


def login_for(site: Site, clock: Clock, token: str) -> str | None:
    """The signed-in login behind a bearer token, or None (unknown, expired or revoked)."""
    if not token or len(token) > 200:
        return None
    with db.read(site.eng) as conn:
        return login_of_token(conn=conn, token_hash=digest(token), now=clock.now())


def sign_out(site: Site, clock: Clock, token: str) -> bool:
    with db.write(site.eng) as conn:
        return revoke_token(conn=conn, token_hash=digest(token), now=clock.now())
