"""Backups of the site's database (the mechanics behind `duban backup` and `duban restore`, engine.cli.backup).

SQLite: sqlite3's online backup API, so a running `duban serve` may keep working while the copy is taken; the
copy is checked (integrity_check) and written as one self-contained file. PostgreSQL: the documented recipe,
`pg_dump --format=custom` (a consistent snapshot while replicas keep serving) and `pg_restore --clean
--if-exists --single-transaction` (all or nothing), run when the client tools are installed, printed otherwise.
A restore first saves the current database beside it, then brings the schema up to date (Alembic).

Guards (issue 11, issue 18): the audit chain is verified before a backup is written and after a restore
(`verify_url`), and a restore is refused while a `duban serve` holds a fresh lease on the database
(`servers_using`). After a restore the leases copied from the backup are cleared and the restore itself is
recorded in the restored trail (`after_restore`).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from engine.core.auditchain import Verdict
from engine.store import audit, db, leases

PG_DUMP = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
PG_RESTORE = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error"]
MUST_HAVE = {"alembic_version", "instance", "task", "event", "timer"}


def parse_url(url: str | None) -> URL:
    """The site's database (the argument, DUBAN_DATABASE_URL or ./duban.db) as a URL object."""
    return make_url(db.database_url(url))


def shown(url: URL) -> str:
    """The URL with its password hidden."""
    return url.render_as_string(hide_password=True)


def migrate_url(url: URL) -> None:
    """Bring the schema of the database at `url` up to date (after a restore)."""
    eng = db.make_engine(str(url.render_as_string(hide_password=False)))
    try:
        db.migrate(eng)
    finally:
        eng.dispose()


def free_name(path: Path) -> Path:
    """`path`, or `path.1`, `path.2`... whichever does not exist yet."""
    n, candidate = 1, path
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}.{n}"), n + 1
    return candidate


def size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


# ------------------------------------------------------------------ guards (both databases)
def _open(url: URL) -> Engine | None:
    """An engine on the site's database, or None when there is none yet (an SQLite file that does not exist)."""
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).exists()):
        return None
    return db.make_engine(url.render_as_string(hide_password=False), pool_size=1)


def _has(eng: Engine, table: str) -> bool:
    return sa.inspect(eng).has_table(table)


def verify_url(url: URL) -> Verdict | None:
    """The audit chain's verdict for the database at `url`; None when it has no chain (no database yet, or a
    schema from before the chain)."""
    eng = _open(url)
    if eng is None:
        return None
    try:
        return audit.verify(eng) if _has(eng, "audit_head") else None
    finally:
        eng.dispose()


def servers_using(url: URL, now: datetime, fresh: timedelta) -> list[dict]:
    """The `duban serve` processes whose lease on the database at `url` is fresher than `fresh`."""
    eng = _open(url)
    if eng is None:
        return []
    try:
        if not _has(eng, "server_lease"):
            return []
        with db.read(eng) as conn:
            return leases.fresh(conn=conn, now=now, within=fresh)
    finally:
        eng.dispose()


def after_restore(url: URL, *, source: str, operator: str, now: datetime, verdict: Verdict | None) -> None:
    """Clear the leases that came with the backup and record the restore in the restored trail."""
    eng = _open(url)
    if eng is None:
        return
    try:
        with db.write(eng) as conn:
            leases.clear(conn=conn)
            state_zh = "审计链完整" if verdict is None or verdict.ok else f"审计链已被篡改：{verdict.fault.zh}"
            state_en = "the audit chain verifies" if verdict is None or verdict.ok else \
                f"the audit chain is broken: {verdict.fault.en}"
            audit.record(conn=conn, at=now, actor=operator, kind="restore",
                         zh=f"从备份 {source} 恢复数据库；{state_zh}", en=f"restored the database from {source}; {state_en}",
                         data={"file": source, "chain_ok": verdict is None or verdict.ok,
                               "fault": verdict.fault.as_dict() if verdict is not None and verdict.fault else None})
    finally:
        eng.dispose()


# ------------------------------------------------------------------ SQLite
def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def _copy(src: Path, dst: Path) -> None:
    """sqlite3 online backup of src into dst (dst may be a live database: the API locks and writes it properly)."""
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as s, sqlite3.connect(dst) as d:
        s.backup(d)
    s.close()
    d.close()


def check_sqlite(path: Path) -> str:
    """'ok' for a sound Duban database file, else the reason it is not one."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
            if (ok := c.execute("PRAGMA integrity_check").fetchone()[0]) != "ok":
                return f"integrity check failed: {ok}"
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        c.close()
    except sqlite3.DatabaseError as e:
        return f"not an SQLite database ({e})"
    missing = MUST_HAVE - tables
    return "ok" if not missing else f"not a Duban database (no {', '.join(sorted(missing))} table)"


def backup_sqlite(url: URL, target: Path) -> str:
    src = sqlite_path(url)
    if not src.exists():
        raise BackupError(f"{src} does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(src, partial)
        with sqlite3.connect(partial) as c:
            c.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        c.close()
        if (verdict := check_sqlite(partial)) != "ok":
            raise BackupError(f"the copy is not sound: {verdict}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return f"backed up {src} to {target} ({size(target)}, {_counts(target)})"


def restore_sqlite(url: URL, source: Path) -> str:
    dst = sqlite_path(url)
    if (verdict := check_sqlite(source)) != "ok":
        raise BackupError(f"{source}: {verdict}; nothing was changed")
    saved = None
    if dst.exists():
        saved = free_name(dst.with_name(dst.name + ".before-restore"))
        _copy(dst, saved)
    _copy(source, dst)
    kept = f"; the previous database is in {saved}" if saved else ""
    return f"restored {dst} from {source} ({_counts(dst)}){kept}"


def _counts(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as c:
        items = c.execute("SELECT count(*) FROM instance").fetchone()[0]
        events = c.execute("SELECT count(*) FROM event").fetchone()[0]
        rev = c.execute("SELECT version_num FROM alembic_version").fetchone()
    c.close()
    return f"{items} items, {events} audit events, schema {rev[0] if rev else '?'}"


# ------------------------------------------------------------------ PostgreSQL
def pg_target(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection options for the client tools, and the environment carrying the password (never argv)."""
    args = [f"--dbname={url.database}"]
    args += [f"--host={url.host}"] if url.host else []
    args += [f"--port={url.port}"] if url.port else []
    args += [f"--username={url.username}"] if url.username else []
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def pg_recipe(url: URL, path: str, restore: bool) -> str:
    conn, _ = pg_target(url)
    cmd = (PG_RESTORE + conn + [path]) if restore else (PG_DUMP + conn + [f"--file={path}"])
    return " ".join(cmd) + ("  # password from PGPASSWORD or ~/.pgpass" if url.password else "")


def run_pg(url: URL, path: str, restore: bool) -> None:
    tool = "pg_restore" if restore else "pg_dump"
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian/Ubuntu: apt-get install postgresql-client, the same "
                          f"major version as the server or newer). The recipe is:\n  {pg_recipe(url, path, restore)}")
    conn, env = pg_target(url)
    cmd = (PG_RESTORE + conn + [path]) if restore else (PG_DUMP + conn + [f"--file={path}"])
    print("running: " + pg_recipe(url, path, restore), flush=True)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
