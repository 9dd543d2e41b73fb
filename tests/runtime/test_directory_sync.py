"""`duban org sync-ldap` against a real OpenLDAP (tests/support/ldap.py): a dry run says what would change and
changes nothing; a sync brings 张三 and 李四 over, then a new unit 审计部 with 王五, 李四's new name, and disables
张三 once he leaves the directory (his token stops working), all in one audit event per sync."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api import auth
from api.app import create_app
from engine.cli.main import main
from engine.runtime.boot import demo_org_path, load_org_file
from engine.store import db
from engine.store.tables import Event, Person, Unit
from tests.support.ldap import PEOPLE, start_slapd
from tests.support.office import CHEAP_HASH, PASSWORD, V1


@pytest.fixture
def slapd(tmp_path, monkeypatch):
    d = start_slapd(tmp_path / "slapd")
    for name, value in d.settings().items():
        monkeypatch.setenv(name, value)
    yield d
    d.stop()


@pytest.fixture
def office_site(site):
    """The demo office, every local account with a password (so `clerk` is a local password account)."""
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    return site


def people(site) -> dict:
    with db.read(site.eng) as conn:
        return {r.login: r for r in conn.execute(sa.select(Person.__table__))}


def units(site) -> dict[str, str]:
    with db.read(site.eng) as conn:
        return {r.id: r.name_zh for r in conn.execute(sa.select(Unit.__table__))}


def sync_events(site) -> list:
    with db.read(site.eng) as conn:
        return list(conn.execute(sa.select(Event.__table__)
                                 .where(Event.__table__.c.kind == "org_synced_from_directory")))


def sync(database_url, capsys, *extra: str) -> str:
    assert main(["org", "--db", database_url, "sync-ldap", *extra]) == 0
    return capsys.readouterr().out


def test_a_dry_run_prints_what_would_change_and_changes_nothing(slapd, office_site, database_url, capsys):
    before = people(office_site)
    out = sync(database_url, capsys, "--dry-run")
    assert "新增人员 new person: lisi 李四 (office)" in out
    assert "新增人员 new person: zhangsan 张三 (finance)" in out
    assert "保留本地账号 kept local account: clerk" in out  # the directory's clerk never takes over the local one
    assert "dry run: nothing was changed" in out
    assert people(office_site).keys() == before.keys() and sync_events(office_site) == []


def test_sync_brings_people_over_then_a_new_unit_a_new_name_and_disables_who_left(
        slapd, office_site, office, database_url, capsys, clock, monkeypatch):
    out = sync(database_url, capsys)
    assert "synced" in out
    here = people(office_site)
    assert (here["zhangsan"].name_zh, here["zhangsan"].unit_id, here["zhangsan"].roles) == ("张三", "finance", "staff")
    assert here["lisi"].directory_dn == f"uid=lisi,{PEOPLE}" and here["lisi"].email == "lisi@office.test"
    assert here["clerk"].directory_dn is None and here["clerk"].name_zh == "赵督办"
    assert [e.data["new_people"] for e in sync_events(office_site)] == [["lisi", "zhangsan"]]

    # 张三 signs in and works with a token, and leads a directive; then the directory changes
    office_site.reload_org()
    item = office.issue_directive(title="核对差旅费", co_units=[])
    office.register_and_assign(item, lead="zhangsan", co=[])
    token = auth.sign_in(office_site, clock, "zhangsan", "zs-密码-1").token
    client = TestClient(create_app(office_site))
    assert client.get(f"{V1}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    slapd.add_unit("audit", "审计部")
    slapd.add_person("wangwu", "王五", "audit", "ww-pass-3")
    slapd.rename("lisi", "李斯")
    slapd.remove("zhangsan")

    assert "nothing was changed" in sync(database_url, capsys, "--dry-run")
    assert people(office_site)["zhangsan"].active and "audit" not in units(office_site)

    out = sync(database_url, capsys)
    assert "新增单位 new unit: audit 审计部" in out
    assert "新增人员 new person: wangwu 王五 (audit)" in out
    assert "变更人员 changed person: lisi 李斯: name" in out
    assert "停用人员 disabled person: zhangsan" in out
    here = people(office_site)
    assert units(office_site)["audit"] == "审计部" and here["wangwu"].unit_id == "audit"
    assert here["lisi"].name_zh == "李斯" and not here["zhangsan"].active and here["clerk"].active
    last = sync_events(office_site)[-1]
    assert last.data["disabled"] == ["zhangsan"] and last.data["tokens_revoked"] == {"zhangsan": 1}
    [task] = [t for t in office.tasks(item, "handle") if t["state"] in ("pending", "active")]
    assert task["holder"] == {"unit": "finance"}  # his open task went back to his unit's queue (批量转办)
    assert len(last.data["handed_over"]["zhangsan"]) == 1 and office.kinds(item)[-1] == "handover"
    assert last.data["changed_people"] == {"lisi": ["name"]} and last.data["new_units"] == ["audit"]
    monkeypatch.setattr(auth, "TOKEN_CACHE_SECONDS", 0)  # the server process would notice within a second
    assert client.get(f"{V1}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post(f"{V1}/auth/token", data={"username": "zhangsan", "password": "zs-密码-1"}).status_code == 401
    assert client.post(f"{V1}/auth/token", data={"username": "clerk", "password": PASSWORD}).status_code == 200

    assert "nothing to change" in sync(database_url, capsys)  # in step now: no event for a sync that changed nothing
    assert len(sync_events(office_site)) == 2


def test_a_directory_unit_already_here_under_another_id_is_not_made_twice(slapd, office_site, database_url,
                                                                          capsys):
    slapd.add_unit("caiwu", "财务部")  # the directory's id for what this site calls `finance`
    slapd.add_person("wangwu", "王五", "财务部", "ww-pass-3")
    out = sync(database_url, capsys)
    assert "caiwu" not in out and "caiwu" not in units(office_site)
    assert people(office_site)["wangwu"].unit_id == "finance"


def test_a_directory_that_returns_nobody_disables_nobody(slapd, office_site, database_url, capsys, monkeypatch):
    sync(database_url, capsys)
    monkeypatch.setenv("DUBAN_LDAP_BASE_DN", f"ou=units,{PEOPLE.split(',', 1)[1]}")  # a wrong base: no people
    assert main(["org", "--db", database_url, "sync-ldap"]) == 2
    assert "returned nobody" in capsys.readouterr().err
    assert people(office_site)["zhangsan"].active


def test_sync_without_a_directory_says_what_to_set(office_site, database_url, capsys):
    assert main(["org", "--db", database_url, "sync-ldap", "--dry-run"]) == 2
    assert "DUBAN_LDAP_URL" in capsys.readouterr().err
