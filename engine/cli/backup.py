"""`duban backup PATH` and `duban restore PATH`: a consistent copy of the site's database, and putting one back.

SQLite: sqlite3's online backup API, so a running `duban serve` may keep working while the copy is taken; the
copy is checked (integrity_check) and written as one self-contained file. PostgreSQL: the documented recipe,
`pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`, run when the client tools are
installed, printed otherwise. A restore first saves the current database beside it, then brings the schema up to
date (Alembic). The mechanics live in engine.store.backup.

The audit chain is verified first by `backup` and after a restore by `restore`. A broken chain does not stop
either: the database is the office's only record, and a copy of a tampered trail is the evidence of the tampering,
so refusing would leave the site without its backup or keep the operator from the restore they need. Both instead
say so loudly (the first broken event, zh and en) and exit with status 3, so that a scheduled backup alerts
someone; the restore also writes the verdict into the restored trail.

`restore` refuses (status 2) while a `duban serve` holds a fresh lease on the database (engine.runtime.lease),
naming its host, process and address; `--force` overrides, for a lease left by a server that is certainly gone.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.calendar import operator
from engine.clock import SystemClock
from engine.core.auditchain import Verdict
from engine.runtime.lease import FRESH
from engine.runtime import files_backup
from engine.store.backup import (
    BackupError, after_restore, backup_sqlite, free_name, migrate_url, parse_url, restore_sqlite, run_pg,
    servers_using, shown, size, verify_url,
)

BROKEN = 3  # exit status: done, but the audit chain does not verify


# ------------------------------------------------------------------ commands
def backup_command(args: argparse.Namespace) -> int:
    url = parse_url(args.db)
    target = Path(args.path)
    try:
        if target.exists():
            raise BackupError(f"{target} exists; choose a new file name (a backup never overwrites one)")
        verdict = verify_url(url)
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
    return _report(verdict, "backup", "备份已写入，但它保存的审计链已被篡改 / the backup was written, but the audit "
                                      "chain it holds is broken")


def restore_command(args: argparse.Namespace) -> int:
    url = parse_url(args.db)
    source = Path(args.path)
    try:
        if not source.is_file():
            raise BackupError(f"{source} is not a file")
        running = servers_using(url, SystemClock().now(), FRESH)
        if running and not args.force:
            raise BackupError(refusal(running, shown(url)))
        if running:
            print(f"duban restore: --force: restoring although {len(running)} server lease(s) look fresh",
                  file=sys.stderr)
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
        migrate_url(url)  # a backup from an older release gets today's schema (its events chained in id order)
        verdict = verify_url(url)
        after_restore(url, source=source.name, operator=operator(), now=SystemClock().now(), verdict=verdict)
    except BackupError as e:
        print(f"duban restore: {e}", file=sys.stderr)
        return 2
    return _report(verdict, "restore", "数据库已恢复，但恢复的审计链已被篡改 / the database was restored, but its audit "
                                       "chain is broken")


def refusal(running: list[dict], where: str) -> str:
    """Why a restore is refused: each server still using the database, and how to stop it."""
    lines = [f"拒绝恢复：有 {len(running)} 个 duban serve 正在使用数据库 {where} / refused: {len(running)} `duban serve` "
             f"process(es) are using the database {where}:"]
    lines += [f"  - {r['host']} pid {r['pid']}, {r['address']} (started {r['started_at']:%Y-%m-%d %H:%M:%S} UTC, "
              f"last heartbeat {r['heartbeat_at']:%H:%M:%S} UTC)" for r in running]
    lines.append(f"先停止它们（在其终端按 Ctrl-C，或在该主机上 kill PID / systemctl stop duban），再重新恢复；"
                 f"若确知进程已不存在，可加 --force（租约在进程停止 {int(FRESH.total_seconds())} 秒后失效）。\n"
                 f"Stop them first (Ctrl-C in their terminal, or `kill PID` / `systemctl stop duban` on that host), "
                 f"then restore again; add --force only if you are sure they are gone (a lease lapses "
                 f"{int(FRESH.total_seconds())} s after its server stops).")
    return "\n".join(lines)


def _report(verdict: Verdict | None, command: str, broken: str) -> int:
    if verdict is None:
        print("审计链：此数据库尚无审计链，未校验 / audit chain: none in this database, not verified")
        return 0
    if verdict.ok:
        print(verdict.line())
        return 0
    bar = "!" * 72
    print(f"{bar}\n!! {broken}\n!! {verdict.fault.zh}\n!! {verdict.fault.en}\n!! duban audit verify 可再次校验 / "
          f"run `duban audit verify` to check again\n{bar}", file=sys.stderr)
    return BROKEN


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print("duban restore: add --yes to replace the database without a question", file=sys.stderr)
        return False
    return input(question).strip().lower() in ("y", "yes", "是")
