"""The tests' time: the site's zone, `at()` for a moment in it, and the manual clock a test starts on (a Monday
morning). Tests move this clock; they never sleep."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from engine.clock import ManualClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = "2026-03-02 09:30"


def at(text: str) -> datetime:
    """'2026-03-02 09:30' in the site's time zone."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def manual_clock(start: str = MONDAY_MORNING) -> ManualClock:
    """A manual clock standing at `start` (site time), by default Monday 2 March 2026, 09:30."""
    return ManualClock(at(start))
