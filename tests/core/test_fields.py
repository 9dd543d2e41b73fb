"""The one field coercer, the one date range and the one JSON codec, without a database."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import pytest

from engine.core import codec
from engine.core.dsl import FieldDef
from engine.core.fields import DATES, YEARS_SHOWN, check_subject, coerce, is_blank
from engine.core.states import InputError, TaskState

from tests.core.builders import org, shipped

TZ8 = timezone(timedelta(hours=8))

GOOD = [
    ("text", "  标题 ", {}, "标题"),
    ("long_text", "第一行\n第二行", {}, "第一行\n第二行"),
    ("unit", "finance", {}, "finance"),
    ("unit_or_person", " finance.head ", {}, "finance.head"),
    ("units", "hr, it", {}, ["hr", "it"]),
    ("units", ["hr"], {}, ["hr"]),
    ("number", "40", {}, 40),
    ("number", "40.5", {}, 40.5),
    ("number", 7, {"low": 0, "high": 100}, 7),
    ("number", "1e2", {"low": 0, "high": 100}, 100.0),
    ("boolean", "是", {}, True),
    ("boolean", "false", {}, False),
    ("enum", "urgent", {"choices": ("normal", "urgent")}, "urgent"),
    ("date", "2026-04-01", {}, date(2026, 4, 1)),
    ("date", date(2000, 1, 1), {}, date(2000, 1, 1)),
    ("datetime", "2026-04-01T09:00:00+08:00", {}, datetime(2026, 4, 1, 9, tzinfo=TZ8)),
]
BAD = [
    ("text", "a\nb", {}, "a text field holds one line"),
    ("text", 5, {}, "expected text, got 5"),
    ("unit_or_person", ["x"], {}, "expected unit or person, got ['x']"),
    ("units", "hr,hr", {}, "a unit is listed twice"),
    ("units", [1, 2], {}, "expected units, got [1, 2]"),
    ("number", "abc", {}, "must be a number"),
    ("number", True, {}, "must be a number"),
    ("number", float("nan"), {}, "must be a number"),
    ("number", "inf", {}, "must be a number"),
    ("number", 101, {"low": 0, "high": 100}, "must be between 0 and 100"),
    ("number", -1, {"low": 0}, "must be between 0 and ∞"),
    ("boolean", "maybe", {}, "expected boolean, got 'maybe'"),
    ("enum", "yesterday", {"choices": ("normal", "urgent")}, "must be one of normal, urgent"),
    ("date", "2026-02-30", {}, "a date is written YYYY-MM-DD"),
    ("date", "99999-01-01", {}, "a date is written YYYY-MM-DD"),
    ("date", datetime(2026, 4, 1, tzinfo=TZ8), {}, "expected date, got"),
    ("date", "1999-12-31", {}, "the date must fall between 2000 and 2100"),
    ("date", "2101-01-01", {}, "the date must fall between 2000 and 2100"),
    ("datetime", "2026-04-01T09:00:00", {}, "a date-time needs a time zone"),
    ("datetime", "9999-12-31T23:59:59+14:00", {}, "the date must fall between 2000 and 2100"),
]


@pytest.mark.parametrize("type_,value,kw,expected", GOOD)
def test_the_coercer_takes_each_type(type_, value, kw, expected):
    got = coerce(type_, value, "f", **kw)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("type_,value,kw,message", BAD)
def test_the_coercer_refuses_naming_the_field(type_, value, kw, message):
    with pytest.raises(InputError) as e:
        coerce(type_, value, "f", **kw)
    assert e.value.field == "f"
    assert e.value.en.startswith(f"f: {message}")


def test_the_date_range_is_one_and_holds_its_ends():
    assert (DATES.first, DATES.last) == (2000, 2100)
    assert date(2000, 1, 1) in DATES and date(2100, 12, 31) in DATES
    assert date(1999, 12, 31) not in DATES and date(2101, 1, 1) not in DATES
    assert datetime(2100, 12, 31, 23, 59, tzinfo=TZ8) in DATES
    assert DATES.has_year(2026) and not DATES.has_year(1900)
    # one may look further (a calendar year, a filter) than one may enter
    assert YEARS_SHOWN.has_year(1900) and YEARS_SHOWN.has_year(2200) and not YEARS_SHOWN.has_year(2201)
    with pytest.raises(InputError) as e:
        YEARS_SHOWN.check(date(9999, 12, 31), "since")
    assert e.value.en == "since: the date must fall between 1900 and 2200"


def test_blank_means_nothing_given():
    assert all(is_blank(v) for v in (None, "", "   ", []))
    assert not any(is_blank(v) for v in (0, False, "x", ["x"]))


# ------------------------------------------------------------------ a whole subject
DIRECTIVE = shipped("directive")


def test_a_subject_is_checked_with_the_same_coercer_and_range():
    clean = check_subject(DIRECTIVE.fields, {"title": " 落实 ", "instruction": "x", "due": "2026-04-10",
                                             "co_units": "hr"}, org=org())
    assert clean == {"title": "落实", "instruction": "x", "due": date(2026, 4, 10), "co_units": ["hr"],
                     "priority": "normal", "level": "normal"}
    with pytest.raises(InputError) as e:  # a typing slip of a year, refused as an action's date is
        check_subject(DIRECTIVE.fields, {"title": "t", "instruction": "x", "due": "2999-04-10"})
    assert e.value.field == "due"
    with pytest.raises(InputError) as e:  # spaces alone are no title
        check_subject(DIRECTIVE.fields, {"title": "   ", "instruction": "x"})
    assert (e.value.field, e.value.en) == ("title", "title: is required")


def test_a_subject_number_keeps_to_its_declared_range():
    fields = {"score": FieldDef(type="number", min=0, max=10)}
    assert check_subject(fields, {"score": "7"}) == {"score": 7}
    with pytest.raises(InputError) as e:
        check_subject(fields, {"score": 11})
    assert e.value.en == "score: must be between 0 and 10"


def test_a_declared_default_must_fit_its_field():
    with pytest.raises(ValueError, match="must be between 0 and 10"):
        FieldDef(type="number", min=0, max=10, default=20)
    with pytest.raises(ValueError, match="must be one of a, b"):
        FieldDef(type="enum", values=["a", "b"], default="c")


# ------------------------------------------------------------------ the JSON codec
class Colour(StrEnum):
    red = "red"


def test_the_codec_writes_dates_enums_and_collections_at_any_depth():
    value = {"due": date(2026, 4, 1), "at": datetime(2026, 4, 1, 9, tzinfo=TZ8), "state": TaskState.active,
             "nested": [{"d": date(2026, 1, 2)}, (1, 2)], "set": {"b", "a"}, "n": None, "c": Colour.red}
    assert codec.to_json(value) == {"due": "2026-04-01", "at": "2026-04-01T09:00:00+08:00", "state": "active",
                                    "nested": [{"d": "2026-01-02"}, [1, 2]], "set": ["a", "b"], "n": None,
                                    "c": "red"}


def test_canonical_text_is_the_same_for_equal_values_and_refuses_the_unknown():
    assert codec.dumps({"b": 1, "a": date(2026, 4, 1)}) == codec.dumps({"a": "2026-04-01", "b": 1}) \
        == '{"a":"2026-04-01","b":1}'
    with pytest.raises(TypeError):
        codec.dumps({"x": object()})


def test_a_stored_subject_comes_back_typed():
    stored = codec.to_json({"title": "t", "due": date(2026, 4, 10)})
    assert codec.from_json(DIRECTIVE.fields, stored) == {"title": "t", "due": date(2026, 4, 10)}
