"""Signing in with the office directory (a real OpenLDAP, tests/support/ldap.py): 张三 of 财务部 signs in with his
directory password and is created here; a wrong or empty password is refused and counted like any other; the local
administrator and local password accounts keep signing in locally; a directory that is down or does not answer
gives a clear 503, never a success."""
from __future__ import annotations

import re
import socket
import time

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api import auth
from api.app import create_app
from api.errors import Unauthorized
from engine.runtime import directory
from engine.store import db
from engine.store.tables import Event, Person
from tests.support.ldap import PEOPLE, start_slapd
from tests.support.office import PASSWORD, V1
from tests.support.servers import free_port, serving

ZHANGSAN_PASSWORD = "zs-密码-1"


@pytest.fixture
def slapd(tmp_path, monkeypatch):
    d = start_slapd(tmp_path / "slapd")
    for name, value in d.settings().items():
        monkeypatch.setenv(name, value)
    yield d
    d.stop()


def sign_in(client, who: str, password: str):
    return client.post(f"{V1}/auth/token", data={"username": who, "password": password})


def person(site, login: str):
    with db.read(site.eng) as conn:
        return conn.execute(sa.select(Person.__table__).where(Person.__table__.c.login == login)).first()


def events(site, kind: str) -> list:
    with db.read(site.eng) as conn:
        return list(conn.execute(sa.select(Event.__table__).where(Event.__table__.c.kind == kind)))


def test_zhangsan_signs_in_over_http_with_his_directory_password_and_is_created_here(slapd, api_site):
    assert person(api_site, "zhangsan") is None
    with serving(create_app(api_site)) as base:
        r = httpx.post(f"{base}{V1}/auth/token", data={"username": "zhangsan", "password": ZHANGSAN_PASSWORD})
        assert r.status_code == 200, r.text
        me = httpx.get(f"{base}{V1}/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["login"] == "zhangsan" and me["name"]["zh"] == "张三" and me["unit"]["name"]["zh"] == "财务部"
    row = person(api_site, "zhangsan")
    assert (row.name_zh, row.email, row.unit_id, row.roles) == ("张三", "zhangsan@office.test", "finance", "staff")
    assert row.directory_dn == f"uid=zhangsan,{PEOPLE}" and row.password_hash is None  # never the directory's
    created = events(api_site, "person_from_directory")
    assert [e.data["login"] for e in created] == ["zhangsan"] and created[0].data["new"] is True
    assert ZHANGSAN_PASSWORD not in repr([e.data for e in events(api_site, "sign_in")] + [created[0].data])


def test_roles_given_here_stay_when_the_directory_renames_him(slapd, api_site, client):
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 200
    with db.write(api_site.eng) as conn:
        conn.execute(Person.__table__.update().where(Person.__table__.c.login == "zhangsan")
                     .values(roles="unit_head,staff"))
    slapd.rename("zhangsan", "张三丰")
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 200
    row = person(api_site, "zhangsan")
    assert (row.name_zh, row.roles) == ("张三丰", "unit_head,staff")
    assert [e.data["fields"] for e in events(api_site, "person_from_directory")] == [["new"], ["name"]]


def test_a_wrong_directory_password_is_refused_and_counted_until_the_login_locks(slapd, client, api_site):
    r = sign_in(client, "zhangsan", "wrong")
    assert r.status_code == 401 and r.json()["error"]["details"]["attempts_left"] == 4
    assert person(api_site, "zhangsan") is None  # nobody is created by a failed sign-in
    for _ in range(4):
        sign_in(client, "zhangsan", "wrong")
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 429  # locked: the directory is not asked
    assert [e.data["outcome"] for e in events(api_site, "sign_in_failed")] == ["bad_login"] * 5 + ["locked"]


def test_an_empty_password_never_signs_anyone_in(slapd, site, clock):
    # a DN with an empty password is an unauthenticated bind (RFC 4513 5.1.2), which some directories answer as a
    # success: Duban refuses it before asking the directory (and it is a wrong password, not an outage)
    assert directory.Directory(directory.settings()).authenticate("zhangsan", "") is None
    with pytest.raises(Unauthorized):
        auth.sign_in(site, clock, "zhangsan", "")
    assert person(site, "zhangsan") is None
    assert [e.data["outcome"] for e in events(site, "sign_in_failed")] == ["bad_login"]


def test_a_login_with_filter_characters_finds_nobody(slapd, client):
    for login in ("*", "zhang*", "zhangsan)(uid=*", "lisi)(|(uid=*"):
        assert sign_in(client, login, ZHANGSAN_PASSWORD).status_code == 401


def test_the_login_must_be_spelt_as_the_directory_spells_it(slapd, client):
    # the directory matches uid without regard to case; the failure count is kept per login as typed, so another
    # spelling must never be a fresh set of five tries at the same account
    assert sign_in(client, "ZhangSan", ZHANGSAN_PASSWORD).status_code == 401
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 200


def test_local_accounts_keep_signing_in_locally_and_the_directory_twin_of_one_cannot(slapd, client, api_site):
    assert sign_in(client, "admin", PASSWORD).status_code == 200
    assert sign_in(client, "clerk", PASSWORD).status_code == 200
    # the directory also has a `clerk`, with another password: it never signs in as the local clerk
    assert sign_in(client, "clerk", "directory-twin").status_code == 401
    assert person(api_site, "clerk").directory_dn is None


def test_a_directory_that_is_down_gives_a_clear_503_and_local_accounts_still_work(slapd, client, monkeypatch):
    slapd.stop()
    r = sign_in(client, "zhangsan", ZHANGSAN_PASSWORD)
    assert r.status_code == 503
    err = r.json()["error"]
    assert err["code"] == "directory_unavailable"
    assert "目录服务" in err["message"] and "cannot be reached" in err["message"]
    en = client.post(f"{V1}/auth/token", data={"username": "zhangsan", "password": ZHANGSAN_PASSWORD},
                     headers={"Accept-Language": "en"}).json()["error"]["message"]
    assert en.startswith("the directory (LDAP) cannot be reached")
    assert sign_in(client, "admin", PASSWORD).status_code == 200
    assert sign_in(client, "clerk", PASSWORD).status_code == 200


def test_a_refused_service_account_is_a_503_not_a_wrong_password(slapd, client, monkeypatch):
    monkeypatch.setenv("DUBAN_LDAP_BIND_PASSWORD", "not-the-readers-password")
    r = sign_in(client, "zhangsan", ZHANGSAN_PASSWORD)
    assert r.status_code == 503 and r.json()["error"]["code"] == "directory_unavailable"


def test_a_directory_that_never_answers_gives_up_after_the_timeout(client, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are accepted by the kernel, but nothing ever answers
    monkeypatch.setenv("DUBAN_LDAP_URL", f"ldap://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setenv("DUBAN_LDAP_BASE_DN", PEOPLE)
    monkeypatch.setenv("DUBAN_LDAP_TIMEOUT", "1")
    try:
        started = time.monotonic()
        r = sign_in(client, "zhangsan", ZHANGSAN_PASSWORD)
        assert r.status_code == 503 and time.monotonic() - started < 10
    finally:
        silent.close()


def test_nothing_listening_is_a_503_too(client, monkeypatch):
    monkeypatch.setenv("DUBAN_LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 503
    assert sign_in(client, "admin", PASSWORD).status_code == 200


def test_without_a_directory_an_unknown_login_is_just_wrong(client, api_site):
    assert not directory.configured()
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 401


def test_the_sign_in_page_shows_the_directory_outage(slapd, api_site):
    slapd.stop()
    page = TestClient(create_app(api_site))
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.get("/login").text).group(1)
    r = page.post("/login", data={"username": "zhangsan", "password": ZHANGSAN_PASSWORD, "next": "/tasks",
                                  "csrf": csrf})
    assert r.status_code == 503 and "目录服务（LDAP）暂时无法使用" in r.text


@pytest.fixture
def tls_slapd(tmp_path, monkeypatch):
    d = start_slapd(tmp_path / "slapd", tls=True)
    for name, value in d.settings().items():
        monkeypatch.setenv(name, value)
    yield d
    d.stop()


@pytest.mark.parametrize("way", ["ldaps", "starttls"])
def test_over_tls_the_directorys_certificate_is_checked(tls_slapd, client, monkeypatch, way):
    if way == "ldaps":
        monkeypatch.setenv("DUBAN_LDAP_URL", tls_slapd.ldaps_url)
    else:
        monkeypatch.setenv("DUBAN_LDAP_START_TLS", "1")
    # a certificate no trusted CA signed: an outage, never a sign-in over an unchecked connection
    r = sign_in(client, "zhangsan", ZHANGSAN_PASSWORD)
    assert r.status_code == 503 and r.json()["error"]["code"] == "directory_unavailable"
    monkeypatch.setenv("DUBAN_LDAP_CA_FILE", str(tls_slapd.ca_file))
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 200


def test_a_missing_ca_file_is_an_outage_not_a_crash(slapd, client, monkeypatch, tmp_path):
    monkeypatch.setenv("DUBAN_LDAP_CA_FILE", str(tmp_path / "no-such-ca.pem"))
    assert sign_in(client, "zhangsan", ZHANGSAN_PASSWORD).status_code == 503


def test_a_newcomer_in_a_unit_this_site_lacks_brings_the_unit_from_the_directory(slapd, client, api_site):
    slapd.add_unit("audit", "审计部")
    slapd.add_person("wangwu", "王五", "audit", "ww-pass-3")
    assert sign_in(client, "wangwu", "ww-pass-3").status_code == 200
    assert api_site.org.units["audit"].name_zh == "审计部" and api_site.org.people["wangwu"].unit == "audit"
    assert events(api_site, "person_from_directory")[0].data["new_unit"] == "audit"
