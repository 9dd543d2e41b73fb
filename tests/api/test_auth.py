"""Signing in: argon2 passwords, hashed bearer tokens that expire and can be revoked, and the per-account
limit of five failed attempts in fifteen minutes."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from api import auth
from engine.store import db
from engine.store.tables import AccessToken
from tests.support.office import PASSWORD, V1


def sign_in(client, who: str, password: str = PASSWORD):
    return client.post(f"{V1}/auth/token", data={"username": who, "password": password})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_sign_in_gives_a_bearer_token_stored_only_as_its_hash(client, api_site):
    r = sign_in(client, "clerk")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 40
    with db.read(api_site.eng) as conn:
        rows = list(conn.execute(sa.select(AccessToken.__table__)))
    assert [r.person for r in rows] == ["clerk"]
    assert rows[0].token_hash == auth.digest(body["access_token"]) != body["access_token"]
    assert rows[0].expires_at - rows[0].created_at == timedelta(hours=12)
    me = client.get(f"{V1}/me", headers=bearer(body["access_token"])).json()
    assert me["login"] == "clerk" and me["unit"]["name"] == {"zh": "办公室", "en": "General Office"}
    assert {r["id"]: r["label"]["zh"] for r in me["roles"]} == {"clerk": "督办员", "staff": "科员"}
    assert me["may_start"] == ["directive", "incoming_document"]


def test_wrong_password_and_unknown_login_look_the_same(client):
    wrong, unknown = sign_in(client, "clerk", "nope"), sign_in(client, "nobody", "nope")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_passwords_are_argon2():
    h = auth.hash_password("秘密 password")
    assert h.startswith("$argon2id$")
    assert auth.verify_password(h, "秘密 password") and not auth.verify_password(h, "other")
    assert not auth.verify_password(None, "anything") and not auth.verify_password("garbage", "x")


def test_five_failures_in_fifteen_minutes_lock_the_login(client, clock):
    for n in range(5):
        r = sign_in(client, "finance.head", f"guess-{n}")
        assert r.status_code == 401
        clock.advance(timedelta(minutes=1))
    assert r.json()["error"]["details"]["attempts_left"] == 0
    locked = sign_in(client, "finance.head")  # even the right password is refused now
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["retry-after"]) == 10 * 60  # the first failure leaves the window in 10 minutes
    assert sign_in(client, "finance.staff1").status_code == 200  # other accounts are not affected
    clock.advance(timedelta(minutes=9))
    assert sign_in(client, "finance.head").status_code == 429
    clock.advance(timedelta(minutes=1))
    assert sign_in(client, "finance.head").status_code == 200


def test_a_success_clears_earlier_failures(client, clock):
    for _ in range(4):
        assert sign_in(client, "hr.head", "wrong").status_code == 401
    assert sign_in(client, "hr.head").status_code == 200
    for _ in range(4):
        assert sign_in(client, "hr.head", "wrong").status_code == 401
    assert sign_in(client, "hr.head").status_code == 200


def test_tokens_expire(client, clock, monkeypatch):
    monkeypatch.setenv("DUBAN_TOKEN_HOURS", "2")
    token = sign_in(client, "leader").json()["access_token"]
    clock.advance(timedelta(hours=1, minutes=59))
    assert client.get(f"{V1}/me", headers=bearer(token)).status_code == 200
    clock.advance(timedelta(minutes=2))
    r = client.get(f"{V1}/me", headers=bearer(token))
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_logout_revokes_only_that_token(client):
    a = sign_in(client, "leader").json()["access_token"]
    b = sign_in(client, "leader").json()["access_token"]
    assert client.post(f"{V1}/auth/logout", headers=bearer(a)).json() == {"revoked": True}
    assert client.get(f"{V1}/me", headers=bearer(a)).status_code == 401
    assert client.get(f"{V1}/me", headers=bearer(b)).status_code == 200


def test_bad_tokens_are_401_with_the_bearer_challenge(client):
    for headers in ({}, bearer("not-a-token"), bearer("x" * 5000), {"Authorization": "Basic Zm9vOmJhcg=="},
                    {"Authorization": "Bearer"}):
        r = client.get(f"{V1}/me/tasks", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "unauthorized"


def test_sign_in_with_odd_input_is_refused_cleanly(client):
    assert client.post(f"{V1}/auth/token", data={"username": "clerk"}).status_code == 422
    assert client.post(f"{V1}/auth/token", json={"username": "clerk", "password": "x"}).status_code == 422
    assert sign_in(client, "x" * 500, "y").status_code == 401
    assert sign_in(client, "clerk\x00", "y").status_code == 401
    assert sign_in(client, "clerk", "p" * 100_000).status_code == 401


def test_every_sign_in_is_audited_and_no_secret_enters_the_trail(client, api_site):
    from engine.reads.lists import audit_events

    token = sign_in(client, "clerk").json()["access_token"]
    assert sign_in(client, "clerk", "wrong-Passw0rd!").status_code == 401
    assert sign_in(client, "nobody", "another-Secret1").status_code == 401
    for _ in range(5):
        sign_in(client, "it.head", "guess-Guess2")
    assert sign_in(client, "it.head", "guess-Guess2").status_code == 429  # locked: refused, and recorded
    trail = [e for e in audit_events(api_site, login="admin", lang="en")["events"]
             if e["kind"] in ("sign_in", "sign_in_failed")]
    assert [(e["actor"], e["kind"], e["data"]["outcome"]) for e in trail] == [
        ("clerk", "sign_in", "ok"), ("clerk", "sign_in_failed", "bad_login"),
        ("nobody", "sign_in_failed", "bad_login")] + [("it.head", "sign_in_failed", "bad_login")] * 5 + [
        ("it.head", "sign_in_failed", "locked")]
    assert trail[0]["text"] == "clerk signed in"
    text = repr(trail)
    for secret in (PASSWORD, "wrong-Passw0rd!", "another-Secret1", "guess-Guess2", token, auth.digest(token)):
        assert secret not in text
