"""`duban backup` and `duban restore`: SQLite through the online backup API while the site keeps working;
PostgreSQL through pg_dump / pg_restore. A restore keeps the database it replaces."""
from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from engine.cli.main import main
from engine.store import db
from engine.store.tables import Instance
from tests.support.databases import PG_URL


def items(url: str) -> int:
    eng = db.make_engine(url)
    try:
        with db.read(eng) as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(Instance.__table__)).scalar_one()
    finally:
        eng.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite file backup; the PostgreSQL recipe is tested below")
def test_sqlite_backup_while_the_office_works_then_restore(office, site, database_url, tmp_path, capsys):
    for i in range(3):
        office.register_and_assign(office.issue_directive(title=f"事项{i}"))
    stop, errors = threading.Event(), []

    def keep_working():  # a colleague keeps issuing directives while the backup is taken
        try:
            while not stop.is_set():
                office.issue_directive(title="备份期间的新事项")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    worker = threading.Thread(target=keep_working)
    worker.start()
    try:
        assert main(["backup", str(tmp_path / "b.db"), "--db", database_url]) == 0
    finally:
        stop.set()
        worker.join()
    assert errors == []
    out = capsys.readouterr().out
    assert "backed up" in out and "audit events" in out
    con = sqlite3.connect(tmp_path / "b.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_backup = con.execute("SELECT count(*) FROM instance").fetchone()[0]
    con.close()
    assert in_backup >= 3

    assert main(["backup", str(tmp_path / "b.db"), "--db", database_url]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err

    office.issue_directive(title="备份之后的事项")
    now = items(database_url)
    site.eng.dispose()
    assert main(["restore", str(tmp_path / "b.db"), "--db", database_url, "--yes"]) == 0
    assert items(database_url) == in_backup < now
    saved = database_url.removeprefix("sqlite:///") + ".before-restore"
    assert items(f"sqlite:///{saved}") == now
    assert "the previous database is in" in capsys.readouterr().out


@pytest.mark.skipif(bool(PG_URL), reason="SQLite")
def test_restore_refuses_what_is_not_a_duban_database(database_url, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("not a database")
    con = sqlite3.connect(tmp_path / "other.db")
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = items(database_url)
    assert main(["restore", str(tmp_path / "notes.txt"), "--db", database_url, "--yes"]) == 2
    assert "not an SQLite database" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "other.db"), "--db", database_url, "--yes"]) == 2
    assert "not a Duban database" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "other.db"), "--db", database_url]) == 1  # no --yes, no terminal
    assert items(database_url) == before


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (DUBAN_TEST_DATABASE_URL)")
@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_postgres_backup_and_restore_with_pg_dump(office, site, database_url, tmp_path, capsys):
    office.register_and_assign(office.issue_directive())
    assert main(["backup", str(tmp_path / "site.dump"), "--db", database_url]) == 0
    out = capsys.readouterr().out
    assert "running: pg_dump --format=custom" in out and "backed up" in out
    office.issue_directive(title="备份之后的事项")
    site.eng.dispose()
    assert items(database_url) == 2
    assert main(["restore", str(tmp_path / "site.dump"), "--db", database_url, "--yes"]) == 0
    assert items(database_url) == 1
    assert (tmp_path / "site.dump.before-restore").stat().st_size > 0
