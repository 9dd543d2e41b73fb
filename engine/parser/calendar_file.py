"""definitions/calendar.yaml: local working-day overrides (`overrides:` rows of date, working, note) and the years
whose statutory holiday list the file declares complete (`years: {2027: complete}`); problems as `file:line`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, date, datetime
from pathlib import Path
from typing import Any

from engine.core.calendar import CalendarError
from engine.parser.positions import Located

KEYS = ("overrides", "years")
ROW_KEYS = ("date", "working", "note")


@dataclass(frozen=True)
class CalendarFile:
    """What a calendar file says: {date: working} and the years entered in full."""

    overrides: dict[date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()


def looks_like_calendar(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and set(data) <= set(KEYS) | {"kind"}


def check_calendar(located: Located) -> tuple[CalendarFile, list[str]]:
    """The calendar in located data and every problem found (an empty file is an empty calendar)."""
    problems = list(located.problems)
    if problems or located.data is None:
        return CalendarFile(), problems
    data, at = located.data, located.at
    if not isinstance(data, dict):
        return CalendarFile(), [f"{at()}: expected a mapping with an 'overrides:' list (and 'years:')"]
    for key in data:
        if key not in KEYS and key != "kind":
            problems.append(f"{at(key)}: unknown key {key!r} (expected 'overrides' or 'years')")
    out: dict[date, bool] = {}
    first_line: dict[date, int] = {}
    rows = data.get("overrides")
    if rows is not None and not isinstance(rows, list):
        problems.append(f"{at('overrides')}: 'overrides' must be a list of {{date, working, note}} rows")
        rows = []
    for i, row in enumerate(rows or []):
        line = located.line(("overrides", i))
        where = f"{located.filename}:{line}"
        if not isinstance(row, dict):
            problems.append(f"{where}: each override is a mapping like {{date: 2027-01-01, working: false, note: ...}}")
            continue
        bad = [k for k in row if k not in ROW_KEYS]
        if bad:
            problems.append(f"{at('overrides', i, bad[0])}: unknown field {bad[0]!r} (expected date, working, note)")
            continue
        d = row.get("date")
        if d is None:
            problems.append(f"{where}: override row has no date")
            continue
        if isinstance(d, str):
            try:
                d = date.fromisoformat(d.strip())
            except ValueError:
                problems.append(f"{where}: date {d!r} is not YYYY-MM-DD")
                continue
        if isinstance(d, datetime) or not isinstance(d, date):
            problems.append(f"{where}: date {d!r} must be a day like 2027-01-01")
            continue
        working = row.get("working")
        if not isinstance(working, bool):
            problems.append(f"{where}: {d}: 'working' must be true or false, got {working!r}")
            continue
        if d in out:
            problems.append(f"{where}: {d} is listed twice (first on line {first_line[d]})")
            continue
        out[d], first_line[d] = working, line
    years = data.get("years")
    complete: set[int] = set()
    if years is not None and not isinstance(years, dict):
        problems.append(f"{at('years')}: 'years' is a mapping like {{2027: complete}}")
        years = {}
    for year, state in (years or {}).items():
        if isinstance(year, bool) or not isinstance(year, int) or not MINYEAR <= year <= MAXYEAR:
            problems.append(f"{at('years', year)}: {year!r} is not a year like 2027")
        elif state != "complete":
            problems.append(f"{at('years', year)}: {year}: write `complete` once every statutory holiday and "
                            f"make-up working day of the year is listed, got {state!r}")
        else:
            complete.add(year)
    return CalendarFile(out, frozenset(complete)), problems


def parse_calendar(text: str | bytes, filename: str = "calendar.yaml") -> CalendarFile:
    """Parse a calendar file; raise CalendarError with the first problem (`file:line: message`)."""
    cal, problems = check_calendar(Located(text, filename))
    if problems:
        raise CalendarError(problems[0])
    return cal


def load_calendar_file(path: str | Path) -> CalendarFile:
    """Read and parse a calendar file; messages name the file by its name ("calendar.yaml:LINE: ...")."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CalendarError(f"{path.name}: cannot read {path}: {e.strerror or e}") from e
    return parse_calendar(raw, path.name)


def load_overrides_yaml(path: str | Path) -> dict[date, bool]:
    """The {date: working} overrides of a calendar file."""
    return load_calendar_file(path).overrides
