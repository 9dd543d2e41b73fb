"""`duban calendar show --year Y`, `duban calendar set DATE working|off [--note]`, `duban calendar unset DATE`:
the site's working calendar as text, and its overrides changed through the one audited writer (the operating-system
account is recorded as `via`)."""
from __future__ import annotations

import argparse
import getpass
from datetime import date

from engine.runtime.boot import open_site
from engine.runtime.calendar_admin import set_override, unset_override
from engine.runtime.site import Site
from engine.store import calendar as calendar_store, db


def show(site: Site, year: int) -> str:
    cal = site.cal
    with db.read(site.eng) as conn:
        notes = calendar_store.override_notes(conn=conn)
    lines = [f"{year} 年工作日历 working calendar — "
             f"{'法定节假日已知 statutory holidays known' if cal.year_known(year) else '法定节假日未知：仅按周一至周五 + 本地调整 (library does not know this year: Mon–Fri + overrides)'}"]
    for d in cal.days(year):
        kind = "上班 working" if d["working"] else "休息 day off"
        src = {"override": "本地调整 override", "statutory": "法定 statutory", "weekday": "weekday"}[d["source"]]
        extra = notes.get(d["date"]) or d.get("name") or ""
        lines.append(f"  {d['date']} {d['date']:%a}  {kind:<13} {src:<18} {extra}")
    return "\n".join(lines)


def operator() -> str:
    """`cli` and the operating-system account that ran the command, for the audit trail."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def calendar_command(args: argparse.Namespace) -> int:
    site = open_site(args.db)
    if args.calendar_command == "show":
        print(show(site, args.year))
        return 0
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        print(f"duban: 日期应写作 YYYY-MM-DD (a date is written YYYY-MM-DD): {args.date!r}")
        return 2
    if args.calendar_command == "set":
        set_override(site, day, args.state == "working", args.note, via=operator())
        print(f"{day}: {'上班 working day' if args.state == 'working' else '休息 day off'}")
        return 0
    if not unset_override(site, day, via=operator()):
        print(f"{day}: 没有本地调整 (no override to remove)")
        return 1
    print(f"{day}: 已恢复默认 (override removed)")
    return 0
