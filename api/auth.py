"""Sign-in: argon2 password hashes, random bearer tokens stored as their sha256 with an expiry and a
revocation time, and a per-account limit on failed attempts (5 in 15 minutes) kept in the database
so that every replica enforces it (the rows: engine.store.tokens). Every sign-in, refused or not, leaves an audit
event in the same transaction as its attempt row: the login and the outcome, never a password or a token."""
from __future__ import annotations

import hashlib
import math
import secrets
import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import TooManyAttempts, Unauthorized
from engine.clock import Clock, monotonic
from engine.runtime.site import Site
from engine.store import audit, db, tokens
from engine.store.db import Connection
from engine.settings import settings
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
    return settings().token_hours


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ------------------------------------------------------------------ services
def retry_after(failures: list[datetime], now: datetime) -> int | None:
    """Seconds until the account may try again, or None when it may try now."""
    if len(failures) < MAX_FAILURES:
        return None
    return max(1, math.ceil((failures[MAX_FAILURES - 1] + WINDOW - now).total_seconds()))


def recent_failures(*, conn: Connection, login: str, now: datetime) -> list[datetime]:
    """Failed attempts inside the window and after the last success, newest first."""
    return tokens.recent_failures(conn=conn, login=login, now=now, window=WINDOW, limit=MAX_FAILURES)


def _audit_sign_in(conn: Connection, login: str, now: datetime, outcome: str) -> None:
    """The sign-in's audit event: who tried and what came of it (never the password or the token)."""
    words = {"ok": ("登录成功", "signed in"), "bad_login": ("登录失败：账号或密码错误", "sign-in failed: wrong login or password"),
             "locked": ("登录被拒绝：失败次数过多，账号暂时锁定", "sign-in refused: too many failed attempts")}[outcome]
    audit.record(conn=conn, at=now, actor=login, kind="sign_in" if outcome == "ok" else "sign_in_failed",
                 zh=f"{login} {words[0]}", en=f"{login} {words[1]}", data={"outcome": outcome})


def _audit_malformed_sign_in(site: Site, login: str, password: str, now: datetime) -> None:
    """A sign-in refused before counting (empty, over-long or NUL-bearing login, over-long password): a security
    event that keeps only the shape of what came (lengths), never the text itself — an over-long login may be a
    payload, or a password typed in the wrong box. A login within bounds is named, as for any failed sign-in."""
    named = 0 < len(login) <= MAX_LOGIN and "\x00" not in login
    what_zh = "密码过长" if named else "账号为空、过长或含非法字符"
    what_en = "password too long" if named else "login empty, too long or with a NUL character"
    with db.write(site.eng) as conn:
        audit.record(conn=conn, at=now, actor=login if named else None, kind="sign_in_refused",
                     zh=f"{login if named else '（未记录账号）'} 登录被拒绝：{what_zh}",
                     en=f"{login if named else '(login not recorded)'} sign-in refused: {what_en}",
                     data={"outcome": "malformed", "login_length": len(login), "password_length": len(password),
                           "nul": "\x00" in login, "limits": {"login": MAX_LOGIN, "password": MAX_PASSWORD}})


def sign_in(site: Site, clock: Clock, login: str, password: str) -> IssuedToken:
    """A new token for the right password; Unauthorized for a wrong one; TooManyAttempts when locked."""
    now = clock.now()
    if not 0 < len(login) <= MAX_LOGIN or "\x00" in login or len(password) > MAX_PASSWORD:
        _audit_malformed_sign_in(site, login, password, now)
        raise Unauthorized.of("bad_login")  # no such account can exist: nothing to count
    with db.read(site.eng) as conn:
        wait = retry_after(recent_failures(conn=conn, login=login, now=now), now)
        stored = tokens.password_hash_of(conn=conn, login=login)
    if wait is not None:
        with db.write(site.eng) as conn:
            _audit_sign_in(conn, login, now, "locked")
        raise TooManyAttempts(wait)
    ok = verify_password(stored, password) and login in site.org.people
    with db.write(site.eng) as conn:
        tokens.record_attempt(conn=conn, login=login, at=now, ok=ok)
        _audit_sign_in(conn, login, now, "ok" if ok else "bad_login")
        if not ok:
            failures = recent_failures(conn=conn, login=login, now=now)
        else:
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=token_hours())
            tokens.insert_token(conn=conn, token_hash=digest(token), login=login, now=now, expires_at=expires)
    if not ok:
        raise Unauthorized.of("bad_login", {"attempts_left": max(0, MAX_FAILURES - len(failures))})
    return IssuedToken(token, login, expires)


class TokenCache:
    """Live tokens recently found in the database, per site: token hash -> (login, expires_at, checked_at).

    Every request carries a bearer token; looking it up costs a read transaction. A hit younger than
    `TOKEN_CACHE_SECONDS` (engine.clock.monotonic) answers without the database, its expiry still checked
    against the auth clock on every use. Sign-out in this process evicts the token at once; a token revoked by
    another process (a second uvicorn worker or replica) stops working within `TOKEN_CACHE_SECONDS`.
    Only live tokens are kept, so unknown or revoked ones always reach the database."""

    MAX = 10_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, tuple[str, datetime, float]] = {}

    def get(self, token_hash: str, now: datetime) -> str | None:
        hit = self.hits.get(token_hash)
        if hit is None:
            return None
        login, expires_at, checked_at = hit
        if expires_at <= now or monotonic() - checked_at > TOKEN_CACHE_SECONDS:
            self.evict(token_hash)
            return None
        return login

    def put(self, token_hash: str, login: str, expires_at: datetime) -> None:
        with self.lock:
            if len(self.hits) >= self.MAX:
                self.hits.clear()  # many live sessions: start over rather than track ages
            self.hits[token_hash] = (login, expires_at, monotonic())

    def evict(self, token_hash: str) -> None:
        with self.lock:
            self.hits.pop(token_hash, None)


TOKEN_CACHE_SECONDS = 1.0
_CACHES: "weakref.WeakKeyDictionary[Site, TokenCache]" = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def token_cache(site: Site) -> TokenCache:
    cache = _CACHES.get(site)
    if cache is None:
        with _CACHES_LOCK:
            cache = _CACHES.setdefault(site, TokenCache())
    return cache


def login_for(site: Site, clock: Clock, token: str) -> str | None:
    """The signed-in login behind a bearer token, or None (unknown, expired or revoked); see TokenCache."""
    if not token or len(token) > 200:
        return None
    token_hash, now = digest(token), clock.now()
    cache = token_cache(site)
    login = cache.get(token_hash, now)
    if login is not None:
        return login
    with db.read(site.eng) as conn:
        found = tokens.login_of_token(conn=conn, token_hash=token_hash, now=now)
    if found is None:
        return None
    cache.put(token_hash, *found)
    return found[0]


def sign_out(site: Site, clock: Clock, token: str) -> bool:
    token_hash = digest(token)
    token_cache(site).evict(token_hash)
    try:
        with db.write(site.eng) as conn:
            return tokens.revoke_token(conn=conn, token_hash=token_hash, now=clock.now())
    finally:
        token_cache(site).evict(token_hash)  # a request that read the token meanwhile must not keep it
