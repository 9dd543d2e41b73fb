"""Drill mode (`duban serve --simulated-clock [START]`): the drill clock starts at START on a fresh database, or
continues from its stored time; an administrator moves it forward by an ISO-8601 duration or to a time, each move
is stored (a restart continues from it), and one timer sweep runs at once so that what fell due fires.
Every start and move of the drill clock is audited in the transaction that stores it: who moved it (the
administrator of `move_clock`; none for the start and for moves made by the process itself), from when to when,
and the real time of the move. (The API's route only checks that the site runs a drill: api/drill.py.)"""
from __future__ import annotations

import re
import threading
from contextvars import ContextVar
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.clock import ManualClock, SystemClock
from engine.reads.lists import count_items
from engine.runtime.site import Site
from engine.core.fields import DATES
from engine.core.states import InputError
from engine.core import policy
from engine.store import audit, clock as clock_store, db
from engine.runtime.sweep import sweep

_DURATION = re.compile(r"^P(?!$)(?:(\d{1,5})W)?(?:(\d{1,5})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$")
MAX_JUMP = timedelta(days=3660)
_STORED: ContextVar[bool] = ContextVar("drill_stored", default=False)  # this move is already stored and audited
_MOVING = threading.Lock()  # one administrator's move at a time: the clock never goes back


class DrillStartRefused(Exception):
    """`--simulated-clock START` on a database that already holds items but never ran a drill."""


def start_drill(site: Site, start: datetime | None = None) -> str:
    """Set the site's ManualClock for a drill and store every move; returns the start-up line.
    A stored drill time wins (a restart continues; the clock never goes back); else START on a fresh database;
    else the wall clock's time now."""
    clock = site.clock
    if not isinstance(clock, ManualClock):
        raise TypeError("a drill needs the site's ManualClock")
    with db.read(site.eng) as conn:
        stored = clock_store.drill_time(conn=conn)
    if stored is not None:
        clock.set(stored)
        note = "" if start is None or start == stored else \
            f" (START {start.isoformat()} ignored: the drill clock never goes back; move it with POST /api/v1/admin/clock)"
        line = f"演练时钟从保存的时间继续 / drill clock continues from its stored time {_local(site, stored)}{note}"
    elif start is not None:
        items = count_items(site)
        if items:
            raise DrillStartRefused(f"--simulated-clock {start.isoformat()} needs a fresh database: this one already "
                                    f"holds {items} item(s) on the wall clock; give no START to drill from now")
        clock.set(start)
        line = f"演练时钟从 {_local(site, start)} 开始 / drill clock starts at {_local(site, start)}"
    else:
        clock.set(SystemClock().now())
        line = f"演练时钟从当前时间开始 / drill clock starts now, {_local(site, clock.now())}"
    when, shown = clock.now(), _local(site, clock.now())
    with db.write(site.eng) as conn:
        moved_at = SystemClock().now()
        clock_store.save_drill_time(conn=conn, now=when, moved_at=moved_at)
        audit.record(conn=conn, at=when, actor=None, kind="drill_clock",
                     zh=f"演练时钟启动：{shown}（{'继续保存的时间' if stored else '新的演练'}）",
                     en=f"drill clock started at {shown} ({'continuing its stored time' if stored else 'a new drill'})",
                     data={"event": "start", "now": when.isoformat(), "stored": stored is not None,
                           "real_time": moved_at.isoformat()})
    clock.on_move = lambda now: _store(site, now)
    return line


def _store(site: Site, now: datetime, mover: str | None = None, before: datetime | None = None) -> None:
    """Store the drill clock's new time and audit the move, in one transaction. The clock calls it (mover None)
    for a move made by the process itself; `move_clock` calls it first with the administrator and then tells the
    clock, whose call is skipped (already stored)."""
    if _STORED.get():
        return
    tz = site.cal.tz  # read before the write transaction (it may load the calendar)
    with db.write(site.eng) as conn:
        before = before or clock_store.drill_time(conn=conn) or now  # never the clock: it calls this under its lock
        moved_at = SystemClock().now()
        clock_store.save_drill_time(conn=conn, now=now, moved_at=moved_at)
        audit.record(conn=conn, at=now, actor=mover, kind="drill_clock",
                     zh=f"演练时钟从 {_in(tz, before)} 调至 {_in(tz, now)}"
                        + ("" if mover else "（由系统调整）"),
                     en=f"drill clock moved from {_in(tz, before)} to {_in(tz, now)}"
                        + ("" if mover else " (by the process)"),
                     data={"event": "move", "from": before.isoformat(), "to": now.isoformat(),
                           "real_time": moved_at.isoformat()})


def _local(site: Site, when: datetime) -> str:
    return _in(site.cal.tz, when)


def _in(tz: Any, when: datetime) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M %z")


def parse_duration(text: str) -> timedelta:
    """PnW, PnD, PTnH, PTnM, PTnS and their combinations (P1DT2H30M)."""
    m = _DURATION.match(text.strip().upper())
    if not m:
        raise InputError("advance", "应为 ISO-8601 时长，如 P3D、PT2H、P1DT2H30M",
                         "must be an ISO-8601 duration such as P3D, PT2H or P1DT2H30M")
    w, d, h, mi, s = (int(x or 0) for x in m.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


def move_clock(site: Site, *, login: str, advance: str | None, to: datetime | None) -> dict:
    """Move the drill clock (administrators only) and sweep; {"now", "local_time", "fired", "failed"}. The site's
    clock must be the drill's ManualClock."""
    policy.require_admin(site.actor(login))
    if (advance is None) == (to is None):
        raise InputError("advance", "请给出 advance 或 to 之一", "give exactly one of `advance` or `to`")
    with _MOVING:
        now = site.clock.now()
        if advance is not None:
            delta = parse_duration(advance)
            field = "advance"
        else:
            if to.tzinfo is None:
                raise InputError("to", "时间需带时区，如 2026-04-01T09:00:00+08:00",
                                 "the time needs a zone, e.g. 2026-04-01T09:00:00+08:00")
            delta, field = to - now, "to"
            if delta < timedelta(0):
                raise InputError("to", "演练时钟不能倒退", "the drill clock never goes back")
        if delta > MAX_JUMP:
            raise InputError(field, "一次最多前进 10 年", "move at most ten years at a time")
        DATES.check(now + delta, field)  # the drill stays within the dates the engine takes
        new = now + delta
        _store(site, new, mover=login, before=now)  # stored and audited as this administrator's move, one transaction
        token = _STORED.set(True)
        try:
            site.clock.set(new)
        finally:
            _STORED.reset(token)
    result = sweep(site)
    return {"now": new, "local_time": new.astimezone(site.cal.tz).strftime("%Y-%m-%d %H:%M"),
            "fired": [_plain(x) for x in result.fired], "failed": [_plain(x) for x in result.failed]}


def _plain(x: Any) -> Any:
    if is_dataclass(x) and not isinstance(x, type):
        return asdict(x)
    if isinstance(x, (dict, list, str, int, float, bool)) or x is None:
        return x
    return str(x)
