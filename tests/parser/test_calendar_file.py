"""definitions/calendar.yaml: local overrides and the years entered in full, every problem with its line."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.core.calendar import CalendarError, WorkCalendar
from engine.parser.calendar_file import load_calendar_file, load_overrides_yaml, parse_calendar

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_calendar_yaml():
    overrides = load_overrides_yaml(ROOT / "definitions" / "calendar.yaml")
    assert overrides == {date(2027, 1, 1): False}
    assert not WorkCalendar(overrides).is_working_day(date(2027, 1, 1))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_accepts_quoted_dates_and_empty_files(tmp_path):
    path = write(tmp_path, "overrides:\n  - {date: '2027-02-20', working: true}\n")
    assert load_overrides_yaml(path) == {date(2027, 2, 20): True}
    assert load_overrides_yaml(write(tmp_path, "# nothing yet\n")) == {}
    assert load_overrides_yaml(write(tmp_path, "overrides:\n")) == {}


@pytest.mark.parametrize("text, where, words", [
    ("overrides:\n  - {date: 2027-01-01, working: false}\n  - {date: 2027-01-01, working: true}\n",
     "calendar.yaml:3:", "listed twice (first on line 2)"),
    ("overrides:\n  - {date: 2027-01-01, working: false}\n  - {date: 2027-13-01, working: true}\n",
     "calendar.yaml:3:", "2027-13-01"),
    ("overrides:\n  - {date: 2027-01-01, working: maybe}\n", "calendar.yaml:2:", "true or false"),
    ("overrides:\n  - {working: true}\n", "calendar.yaml:2:", "no date"),
    ("overrides:\n  - {date: 2027-01-01, working: false, colour: red}\n", "calendar.yaml:2:", "colour"),
    ("overrides:\n  - {date: 2027-01-01 09:00:00, working: false}\n", "calendar.yaml:2:", "day"),
    ("holidays:\n  - {date: 2027-01-01, working: false}\n", "calendar.yaml:1:", "unknown key"),
    ("overrides:\n  - {date: 2027-01-01, working: false\n", "calendar.yaml:2:", "the { opened here is not closed"),
])
def test_yaml_errors_name_the_line(tmp_path, text, where, words):
    with pytest.raises(CalendarError) as err:
        load_overrides_yaml(write(tmp_path, text))
    assert str(err.value).startswith(where), str(err.value)
    assert words in str(err.value)




def test_shipped_calendar_leaves_2027_unknown_until_entered():
    shipped = load_calendar_file(ROOT / "definitions" / "calendar.yaml")
    assert 2027 not in shipped.complete_years  # one row (元旦) is not the 2027 notice
    cal = WorkCalendar(shipped.overrides, complete_years=shipped.complete_years)
    assert not cal.year_known(2027)


def test_years_declared_complete():
    text = "years:\n  2027: complete\noverrides:\n  - {date: 2027-01-01, working: false}\n"
    parsed = parse_calendar(text)
    assert parsed.complete_years == {2027} and parsed.overrides == {date(2027, 1, 1): False}
    with pytest.raises(CalendarError, match="calendar.yaml:2: 'twenty' is not a year"):
        parse_calendar("years:\n  twenty: complete\n")
    with pytest.raises(CalendarError, match="calendar.yaml:1: 'years' is a mapping"):
        parse_calendar("years: [2027]\n")
