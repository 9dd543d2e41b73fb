"""Sign-in: argon2 password hashes (the one hasher: engine.runtime.passwords), random bearer tokens stored as their sha256 with an expiry and a
revocation time, and a limit on failed attempts per account and client address (5 in 15 minutes) kept in the
database so that every replica enforces it (the rows: engine.store.tokens).

A sign-in holds one of a few password-check slots (HashSlots; none free: 503, nothing written) and runs in three
steps (`sign_in`): claim the attempt (counted under a per-(login, client) lock before any password is checked,
so parallel guesses cannot overrun the limit), check the password (`check_password`: the local hash, or the directory for directory
people: engine.runtime.directory), settle (token, or the
failure stays counted). Every sign-in that was tried, refused or not, leaves an audit event: the login, the
client and the outcome, never a password or a token; a busy refusal tried nothing and leaves none."""
from __future__ import annotations

import hashlib
import math
import os
import secrets
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator

from api.errors import SignInBusy, TooManyAttempts, Unauthorized
from engine.clock import Clock, monotonic
from engine.runtime import directory
from engine.runtime.passwords import hash_password, verify_password  # noqa: F401 - hash_password re-exported
from engine.runtime.site import Site
from engine.store import audit, db, tokens
from engine.store.db import Connection
from engine.settings import settings

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
MAX_LOGIN, MAX_PASSWORD, MAX_CLIENT = 64, 4096, 64
BUSY_RETRY_SECONDS = 1


@dataclass(frozen=True)
class IssuedToken:
    token: str
    login: str
    expires_at: datetime


def token_hours() -> float:
    return settings().token_hours


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ------------------------------------------------------------------ password-check slots
class HashSlots:
    """At most `size` sign-ins checked at once in this process; a sign-in waits `wait` seconds at most for a slot.
    argon2 is meant to be slow: without a bound, a burst of anonymous sign-ins would take every CPU and every
    worker thread, and signed-in people would wait behind it. A sign-in that finds no slot is answered 503 with
    Retry-After (SignInBusy) before anything is written or counted, so that the burst costs its own senders
    only. The slot is taken before the attempt is claimed: a refused sign-in writes nothing."""

    def __init__(self, size: int, wait: float) -> None:
        self.size, self.wait = size, wait
        self.sem = threading.BoundedSemaphore(size)
        self.lock = threading.Lock()
        self.taken = 0  # slots held now (read without the lock by `full`: a hint, never a guarantee)

    def full(self) -> bool:
        """Every slot is taken right now: the HTTP route answers 503 at once, without a worker thread."""
        return self.taken >= self.size

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """Yields True holding a slot, or False when none came free in time."""
        got = self.sem.acquire(timeout=self.wait) if self.wait > 0 else self.sem.acquire(blocking=False)
        if got:
            with self.lock:
                self.taken += 1
        try:
            yield got
        finally:
            if got:
                with self.lock:
                    self.taken -= 1
                self.sem.release()


def slots_for(cpus: int | None, configured: int) -> int:
    """DUBAN_HASH_SLOTS, or half the CPUs (at least one): the other half keeps serving signed-in people."""
    return configured if configured > 0 else max(1, (cpus or 1) // 2)


_SLOTS: HashSlots | None = None
_SLOTS_LOCK = threading.Lock()


def hash_slots() -> HashSlots:
    """The process's password-check slots, made again when DUBAN_HASH_SLOTS or DUBAN_HASH_WAIT_MS change."""
    global _SLOTS
    s = settings()
    size, wait = slots_for(os.cpu_count(), s.hash_slots), s.hash_wait_ms / 1000
    with _SLOTS_LOCK:
        if _SLOTS is None or (_SLOTS.size, _SLOTS.wait) != (size, wait):
            _SLOTS = HashSlots(size, wait)
        return _SLOTS


# ------------------------------------------------------------------ services
def retry_after(failures: list[datetime], now: datetime) -> int | None:
    """Seconds until the account may try again from this client, or None when it may try now (failures oldest
    first, at most MAX_FAILURES)."""
    if len(failures) < MAX_FAILURES:
        return None
    return max(1, math.ceil((failures[0] + WINDOW - now).total_seconds()))


def _audit_sign_in(conn: Connection, login: str, now: datetime, outcome: str, client: str = "") -> None:
    """The sign-in's audit event: who tried, from where, and what came of it (never the password or the token)."""
    words = {"ok": ("登录成功", "signed in"), "bad_login": ("登录失败：账号或密码错误", "sign-in failed: wrong login or password"),
             "locked": ("登录被拒绝：失败次数过多，账号暂时锁定", "sign-in refused: too many failed attempts")}[outcome]
    data = {"outcome": outcome, **({"client": client} if client else {})}
    audit.record(conn=conn, at=now, actor=login, kind="sign_in" if outcome == "ok" else "sign_in_failed",
                 zh=f"{login} {words[0]}", en=f"{login} {words[1]}", data=data)


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


def claim_attempt(site: Site, login: str, client: str, now: datetime) -> int:
    """Step 1 of a sign-in: under the (login, client) lock, count the recent failures and, below the limit, write
    this attempt as a failure before any password is checked; its id. At the limit: TooManyAttempts (audited).
    Claiming first makes the count atomic: of 40 parallel guesses, 5 are checked and 35 refused."""
    with db.write(site.eng) as conn:
        tokens.lock_attempts(conn=conn, login=login, client=client)
        failures = tokens.recent_failures(conn=conn, login=login, client=client, now=now, window=WINDOW,
                                          limit=MAX_FAILURES)
        wait = retry_after(failures, now)
        if wait is None:
            return tokens.claim_attempt(conn=conn, login=login, client=client, at=now)
        _audit_sign_in(conn, login, now, "locked", client)
    raise TooManyAttempts(wait)


def check_password(site: Site, login: str, password: str, now: datetime) -> bool:
    """Step 2: is this the password of an active person of the organisation? (The one place that decides;
    an unknown account costs the same time as a wrong password.) Directory people (LDAP) are checked against
    the directory (engine.runtime.directory: created or updated here on success; DirectoryDown when it cannot be
    reached), everyone else against their local hash."""
    if directory.applies(site, login):
        ok, _ = directory.check(site, login, password, now=now)
        return ok
    with db.read(site.eng) as conn:
        stored = tokens.password_hash_of(conn=conn, login=login)
    return verify_password(stored, password) and login in site.org.people


def settle_attempt(site: Site, login: str, client: str, attempt: int, now: datetime, ok: bool) -> IssuedToken:
    """Step 3: record the outcome; a token for the right password, Unauthorized (with the attempts left) else."""
    with db.write(site.eng) as conn:
        _audit_sign_in(conn, login, now, "ok" if ok else "bad_login", client)
        if not ok:
            failures = tokens.recent_failures(conn=conn, login=login, client=client, now=now, window=WINDOW,
                                              limit=MAX_FAILURES)
        else:
            tokens.settle_attempt(conn=conn, attempt=attempt)
            token = secrets.token_urlsafe(32)
            expires = now + timedelta(hours=token_hours())
            tokens.insert_token(conn=conn, token_hash=digest(token), login=login, now=now, expires_at=expires)
    if not ok:
        raise Unauthorized.of("bad_login", {"attempts_left": max(0, MAX_FAILURES - len(failures))})
    return IssuedToken(token, login, expires)


def sign_in(site: Site, clock: Clock, login: str, password: str, client: str = "") -> IssuedToken:
    """A new token for the right password; Unauthorized for a wrong one; TooManyAttempts when this (login,
    client) has failed MAX_FAILURES times in WINDOW; SignInBusy when no password-check slot is free.
    `client` is the caller's address (api.deps.client_address): the lock is per account and client, so a
    stranger's guesses cannot lock the owner out."""
    now = clock.now()
    if not 0 < len(login) <= MAX_LOGIN or "\x00" in login or len(password) > MAX_PASSWORD:
        _audit_malformed_sign_in(site, login, password, now)
        raise Unauthorized.of("bad_login")  # no such account can exist: nothing to count
    client = client[:MAX_CLIENT]
    with hash_slots().slot() as free:
        if not free:  # nothing tried, nothing written: a flood of these costs the server next to nothing
            raise SignInBusy(BUSY_RETRY_SECONDS)
        attempt = claim_attempt(site, login, client, now)
        try:
            ok = check_password(site, login, password, now)
        except directory.DirectoryDown:  # the directory's outage is not the person's failure: nothing counts
            with db.write(site.eng) as conn:
                tokens.withdraw_attempt(conn=conn, attempt=attempt)
            raise
    return settle_attempt(site, login, client, attempt, now, ok)


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

    def evict_person(self, login: str) -> None:
        """Forget every token of one person (disabled, or given a new password by an administrator)."""
        with self.lock:
            self.hits = {h: hit for h, hit in self.hits.items() if hit[0] != login}


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


def forget_person(site: Site, login: str) -> None:
    """After the person's tokens were revoked in the database: this process stops accepting them at once."""
    token_cache(site).evict_person(login)


def sign_out(site: Site, clock: Clock, token: str) -> bool:
    token_hash = digest(token)
    token_cache(site).evict(token_hash)
    try:
        with db.write(site.eng) as conn:
            return tokens.revoke_token(conn=conn, token_hash=token_hash, now=clock.now())
    finally:
        token_cache(site).evict(token_hash)  # a request that read the token meanwhile must not keep it
