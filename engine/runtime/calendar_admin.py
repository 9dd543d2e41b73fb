"""`duban calendar show/set/unset`: the site's working-day overrides, kept in the database."""
from __future__ import annotations

import argparse
from datetime import date

import sqlalchemy as sa

from engine.runtime.boot import open_site
from engine.runtime.site import Site
from engine.store import db
from engine.store.tables import CalendarOverride

T = CalendarOverride.__table__


def set_override(site: Site, day: date, working: bool, note: str = "") -> None:
    with db.write(site.eng) as conn:
        conn.execute(T.delete().where(T.c.day == day))
        conn.execute(T.insert().values(day=day, working=working, note=note))
    site.reload()


def unset_override(site: Site, day: date) -> bool:
    with db.write(site.eng) as conn:
        gone = conn.execute(T.delete().where(T.c.day == day)).rowcount
    site.reload()
    return bool(gone)


def show(site: Site, year: int) -> str:
    cal = site.cal
    with db.read(site.eng) as conn:
        notes = {r.day: r.note for r in conn.execute(sa.select(T))}
    lines = [f"{year} 年工作日历 working calendar — "
             f"{'法定节假日已知 statutory holidays known' if cal.year_known(year) else '法定节假日未知：仅按周一至周五 + 本地调整 (library does not know this year: Mon–Fri + overrides)'}"]
    for d in cal.days(year):
        kind = "上班 working" if d["working"] else "休息 day off"
        src = {"override": "本地调整 override", "statutory": "法定 statutory", "weekday": "weekday"}[d["source"]]
        extra = notes.get(d["date"]) or d.get("name") or ""
        lines.append(f"  {d['date']} {d['date']:%a}  {kind:<13} {src:<18} {extra}")
    return "\n".join(lines)


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
        set_override(site, day, args.state == "working", args.note)
        print(f"{day}: {'上班 working day' if args.state == 'working' else '休息 day off'}")
        return 0
    if not unset_override(site, day):
        print(f"{day}: 没有本地调整 (no override to remove)")
        return 1
    print(f"{day}: 已恢复默认 (override removed)")
    return 0
