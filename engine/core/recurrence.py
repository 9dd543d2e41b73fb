"""Recurring items (周期性事项), pure: the periods of a schedule (weekly 2026-W10, monthly 2026-03, quarterly 2026Q1,
yearly 2026), the day an `on` rule names inside a period (`5th working day`, `last working day`, `fri`, `day 15`),
the moment a trigger is due, and the subject template filled for a period. Time is an argument; the working-day
calendar is passed in. A period whose year the calendar does not know is reported (`calendar_known`), never
guessed silently."""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

SCHEDULES = ("weekly", "monthly", "quarterly", "yearly")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
QUARTER_ZH = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}
VARIABLES = ("period", "period_zh", "year", "month", "quarter", "week")
MAX_NTH = 23  # a month has at most 23 working days

_NTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)\s+working\s+day$")
_DAY = re.compile(r"^day\s+(\d{1,2})$")
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Span:
    """One period of a schedule: [first, after) as local dates, and its key (the key of its once-only start)."""

    schedule: str
    key: str
    first: date
    after: date

    @property
    def title_zh(self) -> str:
        y = self.first.year
        if self.schedule == "weekly":
            return f"{self.first.isocalendar()[0]}年第{self.first.isocalendar()[1]}周"
        if self.schedule == "monthly":
            return f"{y}年{self.first.month}月"
        if self.schedule == "quarterly":
            return f"{y}年{QUARTER_ZH[(self.first.month - 1) // 3 + 1]}"
        return f"{y}年"

    def previous(self) -> Span:
        return span_of(self.first - timedelta(days=1), self.schedule)

    def next(self) -> Span:
        return span_of(self.after, self.schedule)

    def variables(self) -> dict[str, Any]:
        """What a subject template may use: {period} 2026-03, {period_zh} 2026年3月, {year}, {month}, {quarter}, {week}."""
        iso = self.first.isocalendar()
        return {"period": self.key, "period_zh": self.title_zh, "year": self.first.year, "month": self.first.month,
                "quarter": (self.first.month - 1) // 3 + 1, "week": iso[1]}


def span_of(d: date, schedule: str) -> Span:
    """The period of `schedule` that contains a date."""
    if schedule == "weekly":
        first = d - timedelta(days=d.weekday())
        y, w, _ = first.isocalendar()
        return Span(schedule, f"{y}-W{w:02d}", first, first + timedelta(days=7))
    if schedule == "monthly":
        first = date(d.year, d.month, 1)
        after = date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)
        return Span(schedule, f"{d.year}-{d.month:02d}", first, after)
    if schedule == "quarterly":
        q = (d.month - 1) // 3 + 1
        first = date(d.year, 3 * q - 2, 1)
        after = date(d.year + 1, 1, 1) if q == 4 else date(d.year, 3 * q + 1, 1)
        return Span(schedule, f"{d.year}Q{q}", first, after)
    if schedule == "yearly":
        return Span(schedule, f"{d.year}", date(d.year, 1, 1), date(d.year + 1, 1, 1))
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")


@dataclass(frozen=True)
class On:
    """A parsed `on`: the nth working day (`nth` > 0), the last working day (`nth` == -1), a weekday, or a day of the
    month; a weekday or a day that is not a working day moves to the next working day."""

    nth: int = 0
    weekday: int | None = None
    day: int | None = None


def parse_on(text: str | None, schedule: str) -> On:
    """`5th working day`, `last working day`, `fri` (weekly only), `day 15` (not weekly); ValueError in plain words."""
    t = " ".join((text or "1st working day").strip().lower().split())
    if t == "last working day":
        return On(nth=-1)
    m = _NTH.match(t)
    if m:
        n = int(m.group(1))
        if not 1 <= n <= MAX_NTH:
            raise ValueError(f"on: {text!r}: the working day must be between 1st and {MAX_NTH}th")
        if schedule == "weekly" and n > 5:
            raise ValueError(f"on: {text!r}: a week has at most 5 working days (use 1st..5th, or last)")
        return On(nth=n)
    if t[:3] in WEEKDAYS and t in (t[:3], {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
                                            "fri": "friday", "sat": "saturday", "sun": "sunday"}[t[:3]]):
        if schedule != "weekly":
            raise ValueError(f"on: {text!r}: a weekday is for a weekly schedule (use e.g. 1st working day)")
        return On(weekday=WEEKDAYS.index(t[:3]))
    m = _DAY.match(t)
    if m:
        if schedule == "weekly" or not 1 <= int(m.group(1)) <= 28:
            raise ValueError(f"on: {text!r}: `day N` is a day 1..28 of a month, quarter or year's first month")
        return On(day=int(m.group(1)))
    raise ValueError(f"on: {text!r} is not understood; write `5th working day`, `last working day`, `fri` "
                     f"(weekly) or `day 15`")


def parse_at(text: str) -> time:
    m = _AT.match((text or "").strip())
    if not m:
        raise ValueError(f"at: {text!r} must be HH:MM (24-hour, site time), e.g. 09:00")
    return time(int(m.group(1)), int(m.group(2)))


def day_in(span: Span, on: On, cal: Any) -> date:
    """The local date `on` names inside a period (a day off moves to the next working day)."""
    if on.nth > 0:
        d, left = span.first, on.nth
        while True:
            if cal.is_working_day(d):
                left -= 1
                if left == 0:
                    return d
            d += timedelta(days=1)
    if on.nth == -1:
        d = span.after - timedelta(days=1)
        while not cal.is_working_day(d):
            d -= timedelta(days=1)
        return d
    d = span.first + timedelta(days=on.weekday) if on.weekday is not None else span.first.replace(day=on.day or 1)
    return d if cal.is_working_day(d) else cal.next_working_day(d)


@dataclass(frozen=True)
class Due:
    """A trigger that is due: the period whose moment came (`span`), the period the item is for (`period`: the
    previous one or the same), when it was due, and whether the calendar knew the moment's year."""

    span: Span
    period: Span
    moment: datetime
    calendar_known: bool


def moment_of(span: Span, on: On, at: time, cal: Any) -> datetime:
    return datetime.combine(day_in(span, on, cal), at, tzinfo=cal.tz)


def due_now(schedule: str, on: str | None, at: str, which: str, now: datetime, cal: Any) -> Due | None:
    """The latest trigger moment at or before `now` (this period's, else one of the two before), or None."""
    rule, hhmm = parse_on(on, schedule), parse_at(at)
    span = span_of(cal.local_date(now), schedule)
    for _ in range(3):
        moment = moment_of(span, rule, hhmm, cal)
        if moment <= now:
            return Due(span, span.previous() if which == "previous" else span, moment,
                       cal.year_known(moment.year) and cal.year_known(span.first.year))
        span = span.previous()
    return None


def fill(template: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """The subject template with {period}-style names filled (strings, and the strings of lists)."""
    def one(v: Any) -> Any:
        if isinstance(v, str):
            return v.format_map(variables)
        if isinstance(v, list):
            return [one(x) for x in v]
        return v
    return {k: one(v) for k, v in template.items()}


def template_problems(template: dict[str, Any]) -> list[str]:
    """Names a template uses that are not variables, or braces that do not parse."""
    out: list[str] = []
    for k, v in template.items():
        for s in (v if isinstance(v, list) else [v]):
            if not isinstance(s, str):
                continue
            try:
                names = [n for _, n, _, _ in string.Formatter().parse(s) if n is not None]
            except ValueError as e:
                out.append(f"subject.{k}: {e}")
                continue
            out += [f"subject.{k}: {{{n}}} is not a template name; use {', '.join('{%s}' % x for x in VARIABLES)}"
                    for n in names if n not in VARIABLES]
    return out
