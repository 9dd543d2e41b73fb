"""`duban backup PATH` and `duban restore PATH`: a consistent copy of the site's database, and putting one back.

SQLite: sqlite3's online backup API, so a running `duban serve` may keep working while the copy is taken; the
copy is checked (integrity_check) and written as one self-contained file. PostgreSQL: the documented recipe,
`pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`, run when the client tools are
installed, printed otherwise. A restore first saves the current database beside it, then brings the schema up to
date (Alembic). The mechanics live in engine.store.backup.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.runtime import files_backup
from engine.store.backup import (
    BackupError, backup_sqlite, free_name, migrate_url, parse_url, restore_sqlite, run_pg, shown, size,
)


# ------------------------------------------------------------------ commands
def backup_command(args: argparse.Namespace) -> int:
    url = parse_url(args.db)
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
            print(f"backed up {shown(url)} to {target} ({size(target)}, "
                  f"pg_dump custom format; restore with `duban restore {target}`)")
        print(files_backup.backup_files(url.render_as_string(hide_password=False), target))
    except BackupError as e:
        print(f"duban backup: {e}", file=sys.stderr)
        return 2
    return 0


def restore_command(args: argparse.Namespace) -> int:
    url = parse_url(args.db)
    source = Path(args.path)
    try:
        if not source.is_file():
            raise BackupError(f"{source} is not a file")
        if not args.yes and not _confirm(f"Replace the database {shown(url)} with {source}? Stop every `duban serve` "
                                         f"and worker first. [y/N] "):
            print("nothing changed")
            return 1
        # the files first, every hash checked: a damaged backup changes nothing (extra bytes are only ever unused)
        print(files_backup.restore_files(url.render_as_string(hide_password=False), source))
        if url.get_backend_name() == "sqlite":
            print(restore_sqlite(url, source))
        else:
            saved = free_name(source.with_name(source.name + ".before-restore"))
            run_pg(url, str(saved), restore=False)
            run_pg(url, str(source), restore=True)
            print(f"restored {shown(url)} from {source}; the previous database is in {saved}")
        migrate_url(url)  # a backup from an older release gets today's schema
    except BackupError as e:
        print(f"duban restore: {e}", file=sys.stderr)
        return 2
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print("duban restore: add --yes to replace the database without a question", file=sys.stderr)
        return False
    return input(question).strip().lower() in ("y", "yes", "是")
