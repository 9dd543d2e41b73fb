"""Working days on the Chinese calendar: statutory holidays, make-up working days (调休), local overrides; due-time
arithmetic; which years are known (a library knows them, or the calendar file declares their statutory list complete).
Pure: the calendar file is read by engine.parser.calendar_file."""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta, timezone
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import holidays


@dataclass(frozen=True)
class CalendarSettings:
    """Site time zone, office hours, and what a due date on a day off means (DUBAN_DUE_ON_DAY_OFF)."""

    timezone: str = "Asia/Shanghai"
    office_open: time = time(9, 0)
    office_close: time = time(18, 0)
    due_on_day_off: str = "next_working_day"  # 期限届满日遇节假日顺延; or "keep"


DUE_ON_DAY_OFF = ("next_working_day", "keep")


class CalendarError(ValueError):
    """A calendar question that cannot be answered: naive time, bad argument, bad override row."""


@functools.lru_cache(maxsize=None)
def _library_days(year: int) -> dict[date, tuple[bool, str]] | None:
    """Library entries of a year, {date: (working, name)}, or None if no library knows the year.

    chinese_calendar decides; holidays.China only for a year whose official 调休 days it carries
    (its rule-based holidays for later years are guesses, not the State Council's calendar)."""
    first = date(year, 1, 1)
    try:
        chinese_calendar.is_workday(first)
    except NotImplementedError:
        pass
    else:
        out: dict[date, tuple[bool, str]] = {}
        d = first
        while d.year == year:
            off, name = chinese_calendar.get_holiday_detail(d)
            if name is not None:
                out[d] = (not off, name)
            d += timedelta(days=1)
        return out
    try:
        cn = holidays.China(years=year)
        makeup = [d for d in getattr(cn, "weekend_workdays", ()) if d.year == year]
    except Exception:  # the library does not cover the year at all
        return None
    if not makeup:
        return None
    out = {d: (False, str(name)) for d, name in cn.items() if d.year == year}
    out.update({d: (True, "make-up working day") for d in makeup})
    return out


class WorkCalendar:
    """Working-day verdicts and due-time arithmetic for one site (all times aware, in the site tz)."""

    def __init__(self, overrides: Mapping[date, bool] | None = None,
                 settings: CalendarSettings = CalendarSettings(), complete_years: Iterable[int] = ()):
        try:
            self.tz = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise CalendarError(f"unknown time zone {settings.timezone!r}") from e
        if not settings.office_open < settings.office_close:
            raise CalendarError("office_open must be earlier than office_close")
        if settings.due_on_day_off not in DUE_ON_DAY_OFF:
            raise CalendarError(f"due_on_day_off must be one of {', '.join(DUE_ON_DAY_OFF)}, "
                                f"not {settings.due_on_day_off!r}")
        self.settings = settings
        # years whose statutory list the calendar file declares complete (`years: {2027: complete}`)
        self.complete_years = frozenset(complete_years)
        self._overrides: dict[date, bool] = {}
        for d, working in (overrides or {}).items():
            if isinstance(d, datetime) or not isinstance(d, date):
                raise CalendarError(f"override key {d!r} is not a date")
            if not isinstance(working, bool):
                raise CalendarError(f"override for {d} must be True or False, not {working!r}")
            self._overrides[d] = working
        # year -> ({date: describe_day dict for non-plain days}, sorted ordinals of working days)
        self._years: dict[int, tuple[dict[date, dict], list[int]]] = {}

    def with_overrides(self, overrides: Mapping[date, bool]) -> WorkCalendar:
        """A new calendar with the same settings; the given overrides are layered over this one's."""
        return WorkCalendar({**self._overrides, **overrides}, self.settings, self.complete_years)

    def _year(self, year: int) -> tuple[dict[date, dict], list[int]]:
        cached = self._years.get(year)
        if cached is None:
            if not MINYEAR <= year <= MAXYEAR:
                raise CalendarError(f"year {year} is out of range")
            special = {d: {"date": d, "working": w, "source": "statutory", "name": name}
                       for d, (w, name) in (_library_days(year) or {}).items()}
            for d, w in self._overrides.items():
                if d.year == year:
                    name = special.get(d, {}).get("name")
                    special[d] = {"date": d, "working": w, "source": "override", "name": name}
            working = []
            for o in range(date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal() + 1):
                d = date.fromordinal(o)
                if special[d]["working"] if d in special else d.weekday() < 5:
                    working.append(o)
            cached = self._years[year] = (special, working)
        return cached

    @staticmethod
    def _check_date(d: date) -> date:
        if isinstance(d, datetime) or not isinstance(d, date):
            raise CalendarError(f"expected a date, got {d!r} (use local_date() for a datetime)")
        return d

    def is_working_day(self, d: date) -> bool:
        """Override wins; else the library (holidays off, 调休 weekend days on); else Mon-Fri."""
        entry = self._year(self._check_date(d).year)[0].get(d)
        return entry["working"] if entry is not None else d.weekday() < 5

    def describe_day(self, d: date) -> dict:
        """{"date", "working", "source": "override"|"statutory"|"weekday", "name"} for one date."""
        entry = self._year(self._check_date(d).year)[0].get(d)
        if entry is not None:
            return dict(entry)
        return {"date": d, "working": d.weekday() < 5, "source": "weekday", "name": None}

    def year_known(self, year: int) -> bool:
        """True if a library knows the year's statutory holidays or the calendar file declares the year complete.
        A few override rows in a year do not make it known: its other holidays would count as working days."""
        if not MINYEAR <= year <= MAXYEAR:
            return False
        return year in self.complete_years or _library_days(year) is not None

    def unknown_years(self, start: date, end: date) -> list[int]:
        """The years from start's to end's that are not known (warnings say so until someone enters them)."""
        return [y for y in range(self._check_date(start).year, self._check_date(end).year + 1)
                if not self.year_known(y)]

    def days(self, year: int) -> list[dict]:
        """describe_day for every date of the year that is not a plain Mon-Fri/weekend day, sorted."""
        special = self._year(year)[0]
        return [dict(special[d]) for d in sorted(special)]

    def local_date(self, when: datetime) -> date:
        """The site-local date of an aware datetime."""
        return self._local(when).date()

    def _local(self, when: datetime) -> datetime:
        if not isinstance(when, datetime):
            raise CalendarError(f"expected a datetime, got {when!r}")
        if when.tzinfo is None or when.utcoffset() is None:
            raise CalendarError(f"naive datetime {when.isoformat()}: give a time zone")
        return when.astimezone(self.tz)

    def _plus(self, when: datetime, delta: timedelta) -> datetime:
        """Elapsed-time addition (through UTC), result in the site tz."""
        return (when.astimezone(timezone.utc) + delta).astimezone(self.tz)

    def open_of(self, d: date) -> datetime:
        """Office opening on date d, aware in the site tz."""
        return datetime.combine(self._check_date(d), self.settings.office_open, tzinfo=self.tz)

    def close_of(self, d: date) -> datetime:
        """Close of office on date d, aware in the site tz."""
        return datetime.combine(self._check_date(d), self.settings.office_close, tzinfo=self.tz)

    def due_day(self, d: date) -> date:
        """The day a due date means: a day off moves to the next working day (期限届满日遇节假日顺延),
        unless the site keeps due dates as written (due_on_day_off = "keep")."""
        if self.settings.due_on_day_off == "keep" or self.is_working_day(self._check_date(d)):
            return d
        return self._nth_after(d, 1)

    def due_on_date(self, d: date) -> datetime:
        """A subject's "due: YYYY-MM-DD": close of office on due_day(d)."""
        return self.close_of(self.due_day(d))

    def _nth_after(self, d: date, n: int) -> date:
        year, o = d.year, d.toordinal()
        while True:
            working = self._year(year)[1]
            i = bisect.bisect_right(working, o)
            if i + n <= len(working):
                return date.fromordinal(working[i + n - 1])
            n -= len(working) - i
            year += 1

    def _nth_before(self, d: date, n: int) -> date:
        year, o = d.year, d.toordinal()
        while True:
            working = self._year(year)[1]
            i = bisect.bisect_left(working, o)
            if i >= n:
                return date.fromordinal(working[i - n])
            n -= i
            year -= 1

    @staticmethod
    def _check_n(n: int, least: int) -> int:
        if isinstance(n, bool) or not isinstance(n, int) or n < least:
            raise CalendarError(f"number of working days must be an integer >= {least}, got {n!r}")
        return n

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after d."""
        return self._nth_after(self._check_date(d), 1)

    def prev_working_day(self, d: date) -> date:
        """The last working day strictly before d."""
        return self._nth_before(self._check_date(d), 1)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """Close of office on the nth working day after start's local date (the day of issue is not counted).

        n == 0: close of office on start's day if it is a working day, else on the next working day.
        """
        d = self._local(start).date()
        if self._check_n(n, 0) == 0:
            return self.close_of(d if self.is_working_day(d) else self._nth_after(d, 1))
        return self.close_of(self._nth_after(d, n))

    def add_working_days_after_due(self, due: datetime, n: int) -> datetime:
        """Close of office on the nth working day after due's local date (chasing, escalation)."""
        return self.add_working_days(due, n)

    def working_days_before(self, due: datetime, n: int) -> datetime:
        """Office opening on the nth working day before due's local date (reminders)."""
        return self.open_of(self._nth_before(self._local(due).date(), self._check_n(n, 1)))

    def working_days_between(self, a: datetime, b: datetime) -> int:
        """Number of working days d with local(a) < d <= local(b); 0 if b is not after a."""
        da, db = self._local(a).date(), self._local(b).date()
        if db <= da:
            return 0
        lo, hi = da.toordinal(), db.toordinal()
        total = 0
        for year in range(da.year, db.year + 1):
            working = self._year(year)[1]
            total += bisect.bisect_right(working, hi) - bisect.bisect_right(working, lo)
        return total

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Count office hours only; a start outside office hours starts at the next opening."""
        if hours < 0:
            raise CalendarError(f"hours must be >= 0, got {hours!r}")
        cur = self._local(start)
        d = cur.date()
        if not self.is_working_day(d) or cur >= self.close_of(d):
            d = self._nth_after(d, 1)
            cur = self.open_of(d)
        elif cur < self.open_of(d):
            cur = self.open_of(d)
        remaining = timedelta(hours=hours)
        while True:
            left = self.close_of(d).astimezone(timezone.utc) - cur.astimezone(timezone.utc)
            if remaining <= left:
                return self._plus(cur, remaining)
            remaining -= left
            d = self._nth_after(d, 1)
            cur = self.open_of(d)

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """Plain elapsed clock hours, result in the site tz."""
        return self._plus(self._local(start), timedelta(hours=hours))
