"""`duban backup PATH` and `duban restore PATH`: a consistent copy of the site's database, and putting one back.

SQLite: sqlite3's online backup API, so a running `duban serve` may keep working while the copy is taken; the
copy is checked (integrity_check) and written as one self-contained file. PostgreSQL: the documented recipe,
`pg_dump --format=custom` (a consistent snapshot while replicas keep serving) and `pg_restore --clean
--if-exists --single-transaction` (all or nothing), run when the client tools are installed, printed otherwise.
A restore first saves the current database beside it, then brings the schema up to date (Alembic).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from engine.store import db

PG_DUMP = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges"]
PG_RESTORE = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error"]
MUST_HAVE = {"alembic_version", "instance", "task", "event", "timer"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why and what to do."""


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
    return f"backed up {src} to {target} ({_size(target)}, {_counts(target)})"


def restore_sqlite(url: URL, source: Path) -> str:
    dst = sqlite_path(url)
    if (verdict := check_sqlite(source)) != "ok":
        raise BackupError(f"{source}: {verdict}; nothing was changed")
    saved = None
    if dst.exists():
        saved = _free_name(dst.with_name(dst.name + ".before-restore"))
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


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def _free_name(path: Path) -> Path:
    n, candidate = 1, path
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}.{n}"), n + 1
    return candidate


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


# ------------------------------------------------------------------ commands
def backup_command(args: argparse.Namespace) -> int:
    url = make_url(db.database_url(args.db))
    target = Path(args.path)
    try:
        if target.exists():
            raise BackupError(f"{target} exists; choose a new file name (a backup never overwrites one)")
        if url.get_backend_name() == "sqlite":
            print(backup_sqlite(url, target))
        else:
            partial = str(target) + ".partial"
            try:
                run_pg(url, partial, restore=False)
                Path(partial).replace(target)
            finally:
                Path(partial).unlink(missing_ok=True)
            print(f"backed up {url.render_as_string(hide_password=True)} to {target} ({_size(target)}, "
                  f"pg_dump custom format; restore with `duban restore {target}`)")
    except BackupError as e:
        print(f"duban backup: {e}", file=sys.stderr)
        return 2
    return 0


def restore_command(args: argparse.Namespace) -> int:
    url = make_url(db.database_url(args.db))
    source = Path(args.path)
    shown = url.render_as_string(hide_password=True)
    try:
        if not source.is_file():
            raise BackupError(f"{source} is not a file")
        if not args.yes and not _confirm(f"Replace the database {shown} with {source}? Stop every `duban serve` "
                                         f"and worker first. [y/N] "):
            print("nothing changed")
            return 1
        if url.get_backend_name() == "sqlite":
            print(restore_sqlite(url, source))
        else:
            saved = _free_name(source.with_name(source.name + ".before-restore"))
            run_pg(url, str(saved), restore=False)
            run_pg(url, str(source), restore=True)
            print(f"restored {shown} from {source}; the previous database is in {saved}")
        eng = db.make_engine(str(url.render_as_string(hide_password=False)))
        try:
            db.migrate(eng)  # a backup from an older release gets today's schema
        finally:
            eng.dispose()
    except BackupError as e:
        print(f"duban restore: {e}", file=sys.stderr)
        return 2
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print("duban restore: add --yes to replace the database without a question", file=sys.stderr)
        return False
    return input(question).strip().lower() in ("y", "yes", "是")
