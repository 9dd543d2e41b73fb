"""Working days on the Chinese calendar: statutory holidays, make-up working days (调休), local overrides; due-time arithmetic."""
from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
import holidays
import yaml


@dataclass(frozen=True)
class CalendarSettings:
    """Site time zone and office hours."""

    timezone: str = "Asia/Shanghai"
    office_open: time = time(9, 0)
    office_close: time = time(18, 0)


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
                 settings: CalendarSettings = CalendarSettings()):
        try:
            self.tz = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise CalendarError(f"unknown time zone {settings.timezone!r}") from e
        if not settings.office_open < settings.office_close:
            raise CalendarError("office_open must be earlier than office_close")
        self.settings = settings
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
        return WorkCalendar({**self._overrides, **overrides}, self.settings)

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
        """True if a library knows the year or an override falls in it."""
        if not MINYEAR <= year <= MAXYEAR:
            return False
        return _library_days(year) is not None or any(d.year == year for d in self._overrides)

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

    def due_on_date(self, d: date) -> datetime:
        """A subject's "due: YYYY-MM-DD": close of office that day, even if it is not a working day."""
        return self.close_of(d)

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


def load_overrides_yaml(path: str | Path) -> dict[date, bool]:
    """Parse definitions/calendar.yaml into {date: working}; errors read "calendar.yaml:LINE: message"."""
    path = Path(path)
    name = path.name

    def fail(node_or_line: Any, message: str) -> CalendarError:
        line = node_or_line if isinstance(node_or_line, int) else node_or_line.start_mark.line + 1
        return CalendarError(f"{name}:{line}: {message}")

    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as e:
        raise CalendarError(f"{name}: cannot read {path}: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise fail(mark.line + 1 if mark else 1, f"not valid YAML: {getattr(e, 'problem', None) or e}") from e
    constructor = yaml.SafeLoader("")

    def value(node: yaml.Node) -> Any:
        try:
            return constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as e:
            raise fail(node, f"bad value {node.value!r}: {e}") from e

    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise fail(root, "expected a mapping with an 'overrides:' list")
    rows = None
    for key_node, val_node in root.value:
        if value(key_node) != "overrides":
            raise fail(key_node, f"unknown key {key_node.value!r} (expected 'overrides')")
        rows = val_node
    if rows is None or (isinstance(rows, yaml.ScalarNode) and value(rows) is None):
        return {}
    if not isinstance(rows, yaml.SequenceNode):
        raise fail(rows, "'overrides' must be a list of {date, working, note} rows")

    out: dict[date, bool] = {}
    first_line: dict[date, int] = {}  # for duplicate messages
    for row in rows.value:
        line = row.start_mark.line + 1
        if not isinstance(row, yaml.MappingNode):
            raise fail(line, "each override is a mapping like {date: 2027-01-01, working: false, note: ...}")
        fields: dict[str, Any] = {}
        for key_node, val_node in row.value:
            key = value(key_node)
            if key not in ("date", "working", "note"):
                raise fail(key_node, f"unknown field {key!r} (expected date, working, note)")
            if key in fields:
                raise fail(key_node, f"field {key!r} given twice")
            fields[key] = value(val_node)
        d = fields.get("date")
        if d is None:
            raise fail(line, "override row has no date")
        if isinstance(d, str):
            try:
                d = date.fromisoformat(d.strip())
            except ValueError:
                raise fail(line, f"date {d!r} is not YYYY-MM-DD") from None
        if isinstance(d, datetime) or not isinstance(d, date):
            raise fail(line, f"date {d!r} must be a day like 2027-01-01")
        working = fields.get("working")
        if not isinstance(working, bool):
            raise fail(line, f"{d}: 'working' must be true or false, got {working!r}")
        if d in out:
            raise fail(line, f"{d} is listed twice (first on line {first_line[d]})")
        out[d] = working
        first_line[d] = line
    return out
