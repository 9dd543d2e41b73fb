"""The audit trail is tamper-evident (invariant 9), on SQLite and on PostgreSQL (DUBAN_TEST_DATABASE_URL): after an
ordinary morning of directives the chain verifies; someone with SQL access who edits an event, deletes one, or
slips one in out of order is named by `duban audit verify` and by GET /api/v1/audit/verify, at the first event
touched. Many writers at once never fork the chain, and a site upgraded from before the chain verifies."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

from api.app import create_app
from engine.cli.main import main
from engine.core.auditchain import GENESIS, chain
from engine.runtime.boot import demo_org_path, load_org_file
from engine.store import audit, db
from engine.store.tables import Event
from tests.support.clock import at
from tests.support.databases import PG_URL
from tests.support.office import CHEAP_HASH, PASSWORD

E = Event.__table__


def a_morning(office) -> None:
    """Three directives issued, registered and assigned: a few dozen events."""
    for i in range(3):
        item = office.issue_directive(title=f"关于做好第{i + 1}季度安全检查的批示")
        office.register_and_assign(item)


def sql(site, text: str, **params) -> None:
    """What an insider with database access does by hand."""
    with site.eng.begin() as conn:
        conn.execute(sa.text(text), params)


def event_at(site, seq: int) -> dict:
    with db.read(site.eng) as conn:
        return dict(conn.execute(sa.select(E).where(E.c.seq == seq)).one()._mapping)


def test_an_ordinary_morning_verifies_from_the_command_line_and_for_the_auditor(office, site, database_url, capsys):
    a_morning(office)
    verdict = audit.verify(site.eng)
    with db.read(site.eng) as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(E)).scalar_one()
        seqs = list(conn.execute(sa.select(E.c.seq).order_by(E.c.id)).scalars())
    assert verdict.ok and verdict.checked == count == verdict.head_seq > 10
    assert seqs == list(range(1, count + 1))  # commit order is id order, without gaps

    assert main(["audit", "--db", database_url, "verify"]) == 0
    out = capsys.readouterr().out
    assert f"{count} events" in out and verdict.head_hash in out
    if not PG_URL:  # a mistyped file name is an error, not a new empty database that "verifies"
        assert main(["audit", "--db", database_url + ".typo", "verify"]) == 2
        assert "no database at" in capsys.readouterr().err

    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    client = TestClient(create_app(site))

    def token(who):
        return client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD}).json()["access_token"]

    r = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token('admin')}"})
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["fault"] is None
    assert r.json()["checked"] == r.json()["head_seq"] > count  # the reload and the sign-ins were audited too
    r = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token('clerk')}"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"


def test_an_edited_event_is_named(office, site, database_url, capsys):
    a_morning(office)
    target = event_at(site, 5)
    sql(site, "UPDATE event SET message_zh = :m WHERE seq = 5", m=target["message_zh"] + "（已按期办结）")
    verdict = audit.verify(site.eng)
    assert (verdict.fault.kind, verdict.fault.id, verdict.fault.seq) == ("edited", target["id"], 5)
    assert main(["audit", "--db", database_url, "verify"]) == 3
    err = capsys.readouterr().err
    assert f"audit event #{target['id']} (seq 5)" in err and "edited" in err and "修改" in err


def test_a_deleted_event_is_named(office, site, database_url, capsys):
    a_morning(office)
    after = event_at(site, 8)
    sql(site, "DELETE FROM event WHERE seq = 7")
    verdict = audit.verify(site.eng)
    assert (verdict.fault.kind, verdict.fault.id, verdict.fault.seq) == ("deleted", after["id"], 8)
    assert "seq 7" in verdict.fault.en and "已被删除" in verdict.fault.zh
    assert main(["audit", "--db", database_url, "verify", "--json"]) == 3
    assert '"kind": "deleted"' in capsys.readouterr().out


def test_the_newest_event_deleted_is_named_by_the_head(office, site):
    a_morning(office)
    last = audit.verify(site.eng).head_seq
    sql(site, "DELETE FROM event WHERE seq = :s", s=last)
    fault = audit.verify(site.eng).fault
    assert (fault.kind, fault.seq) == ("deleted", last)


def test_an_event_inserted_out_of_order_is_named(office, site):
    """A backdated chase slipped in where seq 4 was, with a correctly computed link and hash: its new id betrays it."""
    a_morning(office)
    before, original = event_at(site, 3), event_at(site, 4)
    forged = chain(3, before["hash"], [{**original, "message_zh": "督办员已于当日电话催办"}])[0]
    sql(site, "DELETE FROM event WHERE seq = 4")
    with site.eng.begin() as conn:
        new_id = conn.execute(E.insert().values({k: v for k, v in forged.items() if k != "id"})
                              .returning(E.c.id)).scalar_one()
    fault = audit.verify(site.eng).fault
    assert (fault.kind, fault.id, fault.seq) == ("inserted", new_id, 4)
    assert "out of order" in fault.en and "插入" in fault.zh


def test_an_event_added_after_the_head_by_hand_is_named(office, site):
    a_morning(office)
    v = audit.verify(site.eng)
    forged = chain(v.head_seq, v.head_hash, [{"instance_id": 1, "task_id": None, "at": at("2026-03-02 08:00"),
                                               "actor": "leader", "kind": "instruct", "message_zh": "补一条批示",
                                               "message_en": "an instruction added later", "data": {}}])[0]
    with site.eng.begin() as conn:
        new_id = conn.execute(E.insert().values(forged).returning(E.c.id)).scalar_one()
    fault = audit.verify(site.eng).fault
    assert (fault.kind, fault.id, fault.seq) == ("inserted", new_id, v.head_seq + 1)


def test_many_writers_at_once_never_fork_the_chain(site, database_url, clock):
    """Eight clerks' sessions (each its own engine, so its own connections) record at the same moment."""
    writers, each, errors = 8, 25, []
    start = threading.Barrier(writers)

    def clerk(n: int) -> None:
        eng = db.make_engine(database_url)
        try:
            start.wait()
            for i in range(each):
                with db.write(eng) as conn:
                    audit.record(conn=conn, at=clock.now() + timedelta(seconds=i), actor=f"clerk{n}", kind="comment",
                                 zh=f"第 {n} 位办事员的第 {i} 条记录", en=f"note {i} of clerk {n}", data={"n": n, "i": i})
                    if i % 5 == 0:  # some transactions append two batches
                        audit.append(conn=conn, events=[{"at": clock.now(), "actor": f"clerk{n}", "kind": "comment",
                                                         "message_zh": "补充", "message_en": "addendum"}])
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            eng.dispose()

    before = audit.verify(site.eng).head_seq
    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    verdict = audit.verify(site.eng)
    assert verdict.ok, verdict.fault
    assert verdict.head_seq == verdict.checked == before + writers * (each + each // 5)


def test_a_rolled_back_change_and_a_second_process_leave_no_hole_in_the_chain(site, database_url, clock):
    """The writer remembers the head it wrote last: a transaction that rolled back, or another process (here a
    second engine) writing in between, make that guess wrong, and the next event still chains onto the real head."""
    def note(eng, text):
        with db.write(eng) as conn:
            audit.record(conn=conn, at=clock.now(), actor="clerk", kind="comment", zh=text, en=text)

    note(site.eng, "第一条")
    with pytest.raises(RuntimeError):
        with db.write(site.eng) as conn:
            audit.record(conn=conn, at=clock.now(), actor="clerk", kind="comment", zh="撤回", en="rolled back")
            raise RuntimeError("the change failed after its event was appended")
    note(site.eng, "第二条")
    other = db.make_engine(database_url)
    try:
        note(other, "另一进程")
        note(site.eng, "第三条")
        note(other, "另一进程again")
    finally:
        other.dispose()
    v = audit.verify(site.eng)
    assert v.ok, v.fault
    with db.read(site.eng) as conn:
        texts = list(conn.execute(sa.select(E.c.message_zh).where(E.c.kind == "comment").order_by(E.c.seq)).scalars())
    assert texts == ["第一条", "第二条", "另一进程", "第三条", "另一进程again"]


def test_a_head_deleted_by_hand_stops_every_write_and_is_reported(office, site):
    a_morning(office)
    sql(site, "DELETE FROM audit_head")
    assert audit.verify(site.eng).fault.kind == "deleted"
    with pytest.raises(audit.ChainHeadMissing):
        office.issue_directive(title="篡改之后的事项")


@pytest.mark.skipif(bool(PG_URL), reason="builds an SQLite file at the revision before the chain")
def test_a_site_upgraded_from_before_the_chain_verifies(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = db.make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(db.Path(db.__file__).resolve().parent / "migrations"))
    with eng.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.commit()
    with eng.begin() as conn:
        for i in range(2500):  # more than one batch of the migration
            conn.execute(sa.text("INSERT INTO event (instance_id, task_id, at, actor, kind, message_zh, message_en, "
                                 "data) VALUES (NULL, NULL, :at, 'clerk', 'comment', :zh, :en, :data)"),
                         {"at": f"2026-03-02 01:{i % 60:02d}:{i % 60:02d}.{i:06d}", "zh": f"旧记录 {i}",
                          "en": f"old note {i}", "data": '{"i": %d, "b": [1, 2]}' % i})
    eng.dispose()
    assert main(["audit", "--db", url, "verify"]) == 0
    assert "2500 events" in capsys.readouterr().out
    eng = db.make_engine(url)
    with db.write(eng) as conn:  # and the next event chains on
        audit.record(conn=conn, at=at("2026-03-03 09:00"), actor="clerk", kind="comment", zh="新记录", en="new")
    v = audit.verify(eng)
    eng.dispose()
    assert v.ok and v.head_seq == 2501 and v.head_hash != GENESIS
