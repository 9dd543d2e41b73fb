"""The `duban` command: its arguments in one place, each command family in its own module of engine.cli."""
from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from engine.cli import (  # noqa: E402
    appraise, audit, backup, board, calendar, definitions, demo, deploy, files, org, search, serve, simulate, user,
)
from engine.core.states import DubanError  # noqa: E402


def cmd_demo(args: argparse.Namespace) -> int:
    return demo.run_demo(args.db, lang=args.lang)


def cmd_simulate(args: argparse.Namespace) -> int:
    print(simulate.simulate_text(args.path, scenario=args.scenario, start=args.start, due=args.due,
                                 subject=args.subject, subject_json=args.subject_json))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="duban", description="Duban (督办): office task handling and supervision")
    sub = p.add_subparsers(dest="command", required=True)

    def db_arg(sp: argparse.ArgumentParser, *, inner: bool = False) -> None:
        """`--db URL`; on an inner command (`org load`, `calendar show`) too, so that it may come after the command
        words as the README writes it, without undoing a `--db` given before them."""
        sp.add_argument("--db", default=argparse.SUPPRESS if inner else None,
                        help="database URL (default: DUBAN_DATABASE_URL or ./duban.db)")

    s = sub.add_parser("validate", help="check definitions; print file:line: message for every problem")
    s.add_argument("paths", nargs="+")
    s.set_defaults(func=definitions.cmd_validate)
    s = sub.add_parser("schema", help="print the JSON Schema of the workflow language")
    s.set_defaults(func=definitions.cmd_schema)
    s = sub.add_parser("diagram", help="print a definition as a Mermaid flowchart")
    s.add_argument("path")
    s.add_argument("--lang", default="zh", choices=["zh", "en"])
    s.set_defaults(func=definitions.cmd_diagram)
    s = sub.add_parser("demo", help="run both shipped workflows end to end on a simulated clock")
    s.add_argument("--db", default=None, help="SQLite file for the demo (default: a fresh temporary file)")
    s.add_argument("--lang", default="zh", choices=["zh", "en"])
    s.set_defaults(func=cmd_demo)
    s = sub.add_parser("sweep", help="run one timer sweep")
    db_arg(s)
    s.set_defaults(func=serve.cmd_sweep)
    s = sub.add_parser("simulate", help="print the dated reminders, chases and escalations a definition gives")
    s.add_argument("path")
    s.add_argument("--scenario", default="late", choices=["on-time", "late", "extended"])
    s.add_argument("--start", default=None, help="start time, ISO (default: next working day 09:00)")
    s.add_argument("--due", default=None, help="the item's due date, YYYY-MM-DD (default: 10 working days on)")
    s.add_argument("--subject", action="append", default=None, metavar="FIELD=VALUE",
                   help="a subject field the rules read, e.g. urgency=urgent (repeatable, at most 50)")
    s.add_argument("--subject-json", default=None, help="subject fields as one JSON object (at most 64000 chars)")
    s.set_defaults(func=cmd_simulate)
    s = sub.add_parser("calendar", help="show or edit working-day overrides")
    db_arg(s)
    csub = s.add_subparsers(dest="calendar_command", required=True)
    c = csub.add_parser("show")
    c.add_argument("--year", type=int, required=True)
    db_arg(c, inner=True)
    c = csub.add_parser("set")
    c.add_argument("date")
    c.add_argument("state", choices=["working", "off"])
    c.add_argument("--note", default="")
    db_arg(c, inner=True)
    c = csub.add_parser("unset")
    c.add_argument("date")
    db_arg(c, inner=True)
    s.set_defaults(func=calendar.calendar_command)
    s = sub.add_parser("org", help="organisation: `duban org load FILE [--db URL]`, `duban org sync-ldap [--dry-run]`")
    db_arg(s)
    osub = s.add_subparsers(dest="org_command", required=True)
    o = osub.add_parser("load", help="load an organisation file (units, people, roles, categories)")
    o.add_argument("file")
    o.add_argument("--with-passwords", action="store_true",
                   help="set each person's `password:` from the file (hashed; changed at the first sign-in)")
    db_arg(o, inner=True)
    o = osub.add_parser("sync-ldap", help="bring units and people over from the directory (DUBAN_LDAP_*)")
    o.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    db_arg(o, inner=True)
    s.set_defaults(func=org.cmd_org)
    s = sub.add_parser("user", help="accounts: `duban user add|passwd|disable|list`")
    db_arg(s)
    usub = s.add_subparsers(dest="user_command", required=True)
    u = usub.add_parser("add", help="add a person; the password is asked (or read from stdin)")
    u.add_argument("login")
    u.add_argument("--name", required=True, help="name in Chinese")
    u.add_argument("--name-en", default="")
    u.add_argument("--unit", required=True, help="unit code or Chinese name")
    u.add_argument("--role", action="append", help="a role (repeat for several; default staff)")
    u.add_argument("--category", default=None, help="appraisal role category")
    u.add_argument("--email", default=None)
    u.add_argument("--phone", default=None)
    u.add_argument("--no-password", action="store_true", help="set no password now (`duban user passwd` later)")
    u = usub.add_parser("passwd", help="set a person's password (changed at their next sign-in)")
    u.add_argument("login")
    u = usub.add_parser("disable", help="disable a leaver; their open tasks go to --handover-to or their unit")
    u.add_argument("login")
    u.add_argument("--handover-to", default=None, metavar="LOGIN")
    usub.add_parser("list", help="everyone, and who cannot sign in")
    s.set_defaults(func=user.cmd_user)
    s = sub.add_parser("serve", help="serve the API, web pages and scheduler")
    db_arg(s)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-scheduler", action="store_true")
    s.add_argument("--demo", action="store_true")
    s.add_argument("--simulated-clock", nargs="?", const=True, default=False, type=serve.drill_start, metavar="START",
                   help="drill mode: a clock an administrator moves (POST /api/v1/admin/clock); START "
                        "(e.g. 2026-02-12T09:00:00+08:00) starts it there on a fresh database; a restart continues "
                        "from the stored drill time")
    s.set_defaults(func=serve.cmd_serve)
    s = sub.add_parser("appraise", help="start (or report on) the appraisal cycle of a period, e.g. 2026Q1")
    db_arg(s)
    s.add_argument("--period", required=True)
    s.add_argument("--report", action="store_true", help="print each person's explained result")
    s.set_defaults(func=appraise.appraise_command)
    s = sub.add_parser("deploy", help="build Prefect deployments (sweep, dispatch, appraisal) from the definitions")
    db_arg(s)
    s.add_argument("--apply", action="store_true", help="register them with the Prefect server (else print)")
    s.set_defaults(func=deploy.cmd_deploy)
    s = sub.add_parser("backup", help="back up the database to PATH (SQLite online backup; PostgreSQL: pg_dump)")
    db_arg(s)
    s.add_argument("path")
    s.set_defaults(func=backup.backup_command)
    s = sub.add_parser("restore", help="restore the database from a backup made by `duban backup`")
    db_arg(s)
    s.add_argument("path")
    s.add_argument("--yes", action="store_true", help="replace the current database without asking")
    s.add_argument("--force", action="store_true",
                   help="restore even though a `duban serve` seems to be using the database (a stale lease)")
    s.set_defaults(func=backup.restore_command)
    s = sub.add_parser("audit", help="the audit trail: `duban audit verify` checks its hash chain")
    db_arg(s)
    asub = s.add_subparsers(dest="audit_command", required=True)
    a = asub.add_parser("verify", help="check the whole chain; name the first edited, deleted or inserted event")
    a.add_argument("--json", action="store_true", help="print the verdict as JSON")
    s.set_defaults(func=audit.cmd_audit)
    s = sub.add_parser("files", help="attachments' stored bytes: `duban files gc` removes those no file refers to")
    db_arg(s)
    fsub = s.add_subparsers(dest="files_command", required=True)
    f = fsub.add_parser("gc", help="remove stored bytes no attachment refers to, older than the grace period")
    f.add_argument("--grace-hours", type=float, default=None, help="hours to keep them (default: "
                                                                   "DUBAN_FILES_GRACE_HOURS, 24)")
    db_arg(f, inner=True)
    s.set_defaults(func=files.files_command)
    s = sub.add_parser("search", help="the search index (检索)")
    db_arg(s)
    ss = s.add_subparsers(dest="search_command", required=True)
    r = ss.add_parser("reindex", help="rebuild the search index of items and entries from the store")
    db_arg(r, inner=True)
    r.set_defaults(func=search.reindex_command)
    s = sub.add_parser("board", help="the board's counts (督办看板)")
    db_arg(s)
    bs = s.add_subparsers(dest="board_command", required=True)
    r = bs.add_parser("rebuild", help="recompute the board's tally from the items and tasks")
    db_arg(r, inner=True)
    r.set_defaults(func=board.rebuild_command)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except DubanError as e:
        print(f"duban: {e.message('zh')}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
