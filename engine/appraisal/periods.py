"""Appraisal periods (2026Q1, 2026-03): parsing, boundaries in the site's time zone, and the trigger's due period."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from engine.core.states import InputError

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


@dataclass(frozen=True)
class Period:
    """A quarter (2026Q1) or a month (2026-03): [first, after) as local dates."""

    key: str
    first: date
    after: date  # the first day of the next period

    @property
    def title_zh(self) -> str:
        if "Q" in self.key:
            return f"{self.first.year}年{QUARTER_ZH[(self.first.month - 1) // 3 + 1]}"
        return f"{self.first.year}年{self.first.month}月"

    def bounds(self, cal) -> tuple[datetime, datetime]:  # noqa: ANN001
        """Local midnight of the first day and of the day after the last, in the calendar's zone."""
        return (datetime.combine(self.first, time(0), tzinfo=cal.tz),
                datetime.combine(self.after, time(0), tzinfo=cal.tz))

    def next(self) -> "Period":
        return period_of(self.after, "quarterly" if "Q" in self.key else "monthly")

    def previous(self) -> "Period":
        d = date.fromordinal(self.first.toordinal() - 1)
        return period_of(d, "quarterly" if "Q" in self.key else "monthly")


def parse_period(text: str, field: str = "period") -> Period:
    """'2026Q1' or '2026-03'; anything else is refused naming the field."""
    text = (text or "").strip().upper()
    m = _QUARTER.match(text)
    if m:
        y, q = int(m.group(1)), int(m.group(2))
        first = date(y, 3 * q - 2, 1)
        after = date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1)
        return Period(f"{y}Q{q}", first, after)
    m = _MONTH.match(text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return Period(f"{y}-{mo:02d}", date(y, mo, 1), date(y + 1, 1, 1) if mo == 12 else date(y, mo + 1, 1))
    raise InputError(field, "考核期应写作 2026Q1（季度）或 2026-03（月）",
                     "write a period as 2026Q1 (a quarter) or 2026-03 (a month)")


def period_of(d: date, schedule: str) -> Period:
    """The quarter or month containing a date."""
    if schedule == "quarterly":
        return parse_period(f"{d.year}Q{(d.month - 1) // 3 + 1}")
    return parse_period(f"{d.year}-{d.month:02d}")


def trigger_moment(p: Period, at: str, cal) -> datetime:  # noqa: ANN001
    """`at` (HH:MM, site time) on the first working day of a period: when a trigger for it fires."""
    d = p.first if cal.is_working_day(p.first) else cal.next_working_day(p.first)
    hh, mm = (int(x) for x in at.split(":"))
    return datetime.combine(d, time(hh, mm), tzinfo=cal.tz)


def due_period(schedule: str, at: str, which: str, now: datetime,
               cal) -> tuple[Period, datetime] | None:  # noqa: ANN001
    """The period a trigger should have started by `now`, with the moment it was due: the latest trigger moment at or
    before `now` (the current period's first working day at `at`, else the previous period's); `which` previous
    appraises the period that just ended, current the one that just began."""
    current = period_of(cal.local_date(now), schedule)
    for p in (current, current.previous()):
        moment = trigger_moment(p, at, cal)
        if moment <= now:
            return (p.previous() if which == "previous" else p), moment
    return None
