"""Sign-in cannot be turned against its owner: parallel guesses cannot overrun the limit of five, the lock holds
per account and client address (a stranger cannot lock the owner out), and password checks run a few at a time,
so that a burst of sign-ins is answered 503 with Retry-After instead of stalling everyone."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from api import auth
from api.app import create_app
from api.errors import ApiError, SignInBusy, TooManyAttempts, Unauthorized
from engine.reads.lists import audit_events
from tests.support.office import PASSWORD, V1


def sign_in(client, who: str, password: str = PASSWORD, **headers):
    return client.post(f"{V1}/auth/token", data={"username": who, "password": password}, headers=headers)


def test_forty_parallel_guesses_get_no_more_than_five_password_checks(api_site, clock, monkeypatch):
    checked, lock = [], threading.Lock()
    real = auth.verify_password

    def slow_count(stored, password):
        with lock:
            checked.append(password)
        time.sleep(0.02)  # a real argon2 check takes this long: it widens any read-then-write race
        return real(stored, password)

    monkeypatch.setattr(auth, "verify_password", slow_count)
    monkeypatch.setenv("DUBAN_HASH_SLOTS", "40")
    monkeypatch.setenv("DUBAN_HASH_WAIT_MS", "10000")
    start = threading.Barrier(40)

    def guess(n: int) -> str:
        start.wait()
        try:
            auth.sign_in(api_site, clock, "admin", f"guess-{n}", "203.0.113.9")
        except ApiError as e:
            return type(e).__name__
        return "signed in"

    with ThreadPoolExecutor(40) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert len(checked) == 5
    assert sorted(set(outcomes)) == ["TooManyAttempts", "Unauthorized"]
    assert outcomes.count("Unauthorized") == 5 and outcomes.count("TooManyAttempts") == 35


def test_a_stranger_cannot_lock_the_administrator_out(client):
    for n in range(5):
        assert sign_in(client, "admin", f"guess-{n}").status_code == 401
    assert sign_in(client, "admin").status_code == 429  # the guessing address is locked, right password or not
    owner = TestClient(client.app, client=("192.0.2.10", 50000))  # the administrator's own desk
    assert sign_in(owner, "admin").status_code == 200


def test_forwarded_for_counts_only_behind_a_trusted_proxy(api_site, monkeypatch):
    app = create_app(api_site)
    proxy = TestClient(app, client=("10.0.0.5", 40000))
    for n in range(5):  # no trusted proxy: the header is the client's word, and every guess is the proxy's
        assert sign_in(proxy, "office", f"g{n}", **{"X-Forwarded-For": f"198.51.100.{n}"}).status_code == 401
    assert sign_in(proxy, "office", **{"X-Forwarded-For": "198.51.100.77"}).status_code == 429
    monkeypatch.setenv("DUBAN_TRUSTED_PROXIES", "10.0.0.0/24")
    # behind the trusted proxy each office desk is itself; a forged left-hand entry changes nothing
    assert sign_in(proxy, "office", **{"X-Forwarded-For": "198.51.100.77"}).status_code == 200
    for n in range(5):
        sign_in(proxy, "office", "wrong", **{"X-Forwarded-For": f"1.2.3.{n}, 198.51.100.1"})
    assert sign_in(proxy, "office", **{"X-Forwarded-For": "9.9.9.9, 198.51.100.1"}).status_code == 429
    assert sign_in(proxy, "office", **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_when_every_password_check_slot_is_taken_the_answer_is_503_and_nothing_counts(client, api_site,
                                                                                        monkeypatch):
    monkeypatch.setenv("DUBAN_HASH_SLOTS", "1")
    monkeypatch.setenv("DUBAN_HASH_WAIT_MS", "5")
    slots = auth.hash_slots()
    with slots.slot() as held:
        assert held
        r = sign_in(client, "clerk", "wrong")
        en = sign_in(client, "clerk", "wrong", **{"Accept-Language": "en"})
        with pytest.raises(SignInBusy):  # the pages' sign-in, which calls the service itself, is refused alike
            auth.sign_in(api_site, api_site.clock, "clerk", "wrong", "192.0.2.1")
    assert r.status_code == en.status_code == 503
    assert r.headers["retry-after"] == "1"
    assert r.json()["error"]["code"] == "sign_in_busy" and "秒后重试" in r.json()["error"]["message"]
    assert en.json()["error"]["message"] == "too many sign-ins at once; try again in 1 second(s)"
    for n in range(4):  # the two busy answers were not counted: four more guesses still leave one
        assert sign_in(client, "clerk", f"g{n}").json()["error"]["details"]["attempts_left"] == 4 - n
    outcomes = [e["data"]["outcome"] for e in audit_events(api_site, login="admin", lang="en")["events"]
                if e["kind"] == "sign_in_failed"]
    assert outcomes == ["bad_login"] * 4  # nothing was tried while busy, so nothing is recorded


def test_slots_are_half_the_cpus_unless_configured():
    assert auth.slots_for(2, 0) == 1 and auth.slots_for(16, 0) == 8 and auth.slots_for(None, 0) == 1
    assert auth.slots_for(2, 6) == 6


@pytest.mark.parametrize("exc", [SignInBusy(1), TooManyAttempts(60), Unauthorized.of("bad_login")])
def test_every_refusal_names_itself_in_both_languages(exc):
    assert exc.zh and exc.en and exc.zh != exc.en
