"""Issue 18: `duban restore` never pulls the database from under a running server. While a `duban serve` process
holds its lease, a restore is refused with a message naming the server's host, process and address and how to stop
it; once it has stopped, the restore goes ahead; `--force` overrides a lease the operator knows is stale. A restore
verifies the restored audit chain and records itself in it; a backup verifies the chain before it is written."""
from __future__ import annotations

import shutil
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine.cli.main import main
from engine.clock import SystemClock
from engine.runtime.lease import FRESH, Lease
from engine.store import audit, db, leases
from engine.store.tables import Instance
from tests.support.databases import PG_URL
from tests.support.servers import DubanServe


def items(url: str) -> int:
    eng = db.make_engine(url)
    try:
        with db.read(eng) as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Instance.__table__)).scalar_one()
    finally:
        eng.dispose()


def last_event(url: str) -> dict:
    eng = db.make_engine(url)
    try:
        with db.read(eng) as conn:
            t = audit.T_EVENT
            return dict(conn.execute(sa.select(t).order_by(t.c.seq.desc()).limit(1)).one()._mapping)
    finally:
        eng.dispose()


BACKUP = "b.dump" if PG_URL else "b.db"  # pg_dump's custom format, or an SQLite file
needs_tools = pytest.mark.skipif(bool(PG_URL) and shutil.which("pg_restore") is None, reason="pg_restore missing")


@needs_tools
def test_restore_refuses_while_duban_serve_runs_and_works_once_it_stopped(office, site, database_url, tmp_path, capsys):
    office.register_and_assign(office.issue_directive(title="备份前的事项"))
    assert main(["backup", str(tmp_path / BACKUP), "--db", database_url]) == 0
    assert "the audit chain verifies" in capsys.readouterr().out
    office.issue_directive(title="备份后的事项")
    site.eng.dispose()

    server = DubanServe(database_url)
    try:
        assert main(["restore", str(tmp_path / BACKUP), "--db", database_url, "--yes"]) == 2
        err = capsys.readouterr().err
        assert "refused: 1 `duban serve`" in err and "拒绝恢复" in err
        assert socket.gethostname() in err and f"pid {server.proc.pid}" in err
        assert f"http://127.0.0.1:{server.port}/" in err and "--force" in err and "Ctrl-C" in err
        assert items(database_url) == 2  # nothing changed
    finally:
        assert "督办 Duban" in server.stop()  # stopped as an operator would (SIGTERM), its lease released

    assert main(["restore", str(tmp_path / BACKUP), "--db", database_url, "--yes"]) == 0
    out = capsys.readouterr().out
    assert items(database_url) == 1 and "the audit chain verifies" in out
    restored = last_event(database_url)
    assert restored["kind"] == "restore" and restored["data"]["file"] == BACKUP and restored["data"]["chain_ok"]
    assert restored["actor"].startswith("cli")


@needs_tools
def test_force_restores_over_a_fresh_lease(site, database_url, tmp_path, capsys):
    assert main(["backup", str(tmp_path / BACKUP), "--db", database_url]) == 0
    lease = Lease(site.eng, "http://127.0.0.1:8000/", heartbeat=timedelta(hours=1))  # a server that seems alive
    try:
        assert main(["restore", str(tmp_path / BACKUP), "--db", database_url, "--yes"]) == 2
        assert "refused" in capsys.readouterr().err
        assert main(["restore", str(tmp_path / BACKUP), "--db", database_url, "--yes", "--force"]) == 0
        assert "--force: restoring although 1 server lease(s) look fresh" in capsys.readouterr().err
    finally:
        lease.stop()


def test_a_lease_goes_stale_when_its_server_stops_beating(site):
    lease = Lease(site.eng, "http://127.0.0.1:8000/", heartbeat=timedelta(hours=1))
    try:
        now = SystemClock().now()
        with db.read(site.eng) as conn:
            assert [r["id"] for r in leases.fresh(conn=conn, now=now, within=FRESH)] == [lease.id]
            assert leases.fresh(conn=conn, now=now + FRESH + timedelta(seconds=1), within=FRESH) == []
    finally:
        lease.stop()
    with db.read(site.eng) as conn:
        assert leases.fresh(conn=conn, now=SystemClock().now(), within=FRESH) == []  # a clean stop removes it


@needs_tools
def test_a_tampered_trail_is_backed_up_and_restored_but_loudly(office, site, database_url, tmp_path, capsys):
    office.register_and_assign(office.issue_directive())
    with site.eng.begin() as conn:
        conn.execute(sa.text("UPDATE event SET actor = 'leader' WHERE seq = 2"))
    assert main(["backup", str(tmp_path / BACKUP), "--db", database_url]) == 3
    captured = capsys.readouterr()
    assert "backed up" in captured.out and (tmp_path / BACKUP).exists()  # the evidence is kept
    assert "the backup was written, but the audit chain it holds is broken" in captured.err and "(seq 2)" in captured.err
    site.eng.dispose()
    assert main(["restore", str(tmp_path / BACKUP), "--db", database_url, "--yes"]) == 3
    assert "the database was restored, but its audit chain is broken" in capsys.readouterr().err
    restored = last_event(database_url)
    assert restored["kind"] == "restore" and restored["data"]["chain_ok"] is False
    assert restored["data"]["fault"]["seq"] == 2
