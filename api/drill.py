"""Drill mode (`duban serve --simulated-clock`): an administrator moves the site's manual clock forward by an
ISO-8601 duration or to a time, and one timer sweep runs at once so that what fell due fires."""
from __future__ import annotations

import re
from dataclasses import asdict, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from api.errors import DrillModeOff
from engine.clock import ManualClock
from engine.runtime.site import Site
from engine.core.fields import DATES
from engine.core.states import InputError
from engine.core import policy

_DURATION = re.compile(r"^P(?!$)(?:(\d{1,5})W)?(?:(\d{1,5})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$")
MAX_JUMP = timedelta(days=3660)


def parse_duration(text: str) -> timedelta:
    """PnW, PnD, PTnH, PTnM, PTnS and their combinations (P1DT2H30M)."""
    m = _DURATION.match(text.strip().upper())
    if not m:
        raise InputError("advance", "应为 ISO-8601 时长，如 P3D、PT2H、P1DT2H30M",
                         "must be an ISO-8601 duration such as P3D, PT2H or P1DT2H30M")
    w, d, h, mi, s = (int(x or 0) for x in m.groups())
    return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


def move_clock(site: Site, *, enabled: bool, login: str, advance: str | None, to: datetime | None) -> dict:
    """Move the drill clock (administrators only) and sweep; {"now", "local_time", "fired", "failed"}."""
    if not enabled or not isinstance(site.clock, ManualClock):
        raise DrillModeOff.of("drill_off")
    policy.require_admin(site.actor(login))
    if (advance is None) == (to is None):
        raise InputError("advance", "请给出 advance 或 to 之一", "give exactly one of `advance` or `to`")
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
    new = site.clock.advance(delta)
    from engine.runtime.sweep import sweep  # the timer sweep (engine.sweep)

    result = sweep(site)
    return {"now": new, "local_time": new.astimezone(site.cal.tz).strftime("%Y-%m-%d %H:%M"),
            "fired": [_plain(x) for x in result.fired], "failed": [_plain(x) for x in result.failed]}


def _plain(x: Any) -> Any:
    if is_dataclass(x) and not isinstance(x, type):
        return asdict(x)
    if isinstance(x, (dict, list, str, int, float, bool)) or x is None:
        return x
    return str(x)
