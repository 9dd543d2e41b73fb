"""The checkpoint rules, pure: report days on the working calendar, the `milestones` field type, the facts the
light reads."""
from __future__ import annotations

from datetime import date

import pytest

from engine.core import checkpoints, dsl
from engine.core.calendar import WorkCalendar
from engine.core.fields import coerce
from engine.core.states import InputError

CAL = WorkCalendar()


def chase(every, on):
    return dsl.ChaseStep(kind="chase", title={"zh": "催办", "en": "Chase"}, attach_to=["handle"],
                         report_every=every, report_on=on)


def test_fridays_and_a_holiday_friday_moves_to_the_next_working_day():
    days = checkpoints.report_days_after(chase("1 week", "fri"), date(2026, 4, 20), CAL, 4)
    # Fri 1 May is Labour Day (off until Tue 5th): its report falls on Wed 6 May
    assert days == [date(2026, 4, 24), date(2026, 5, 6), date(2026, 5, 8), date(2026, 5, 15)]


def test_every_two_weeks_keeps_its_rhythm():
    days = checkpoints.report_days_after(chase("2 weeks", "mon"), date(2026, 3, 2), CAL, 3)
    assert [d.weekday() for d in days] == [0, 0, 0]
    assert (days[1] - days[0]).days == 14 and (days[2] - days[1]).days == 14


def test_monthly_on_the_31st_is_the_last_day_of_a_short_month_or_the_next_working_day():
    days = checkpoints.report_days_after(chase("1 month", 31), date(2026, 1, 1), CAL, 3)
    # 31 Jan 2026 is a Saturday → Mon 2 Feb; 28 Feb is a make-up working day (调休)? whichever: a working day
    assert days[0] == date(2026, 2, 2)
    assert all(CAL.is_working_day(d) for d in days) and days[1].month in (2, 3) and days[2].month in (3, 4)


@pytest.mark.parametrize("every, on, words", [
    ("1 fortnight", "fri", "bad report_every"), ("13 months", 1, "1 to 12"), ("1 week", "friday", "weekday"),
    ("1 month", "fri", "day of the month"), ("1 month", 0, "1 to 31"), (None, "fri", "go together"),
])
def test_bad_report_schedules_say_what_to_write(every, on, words):
    with pytest.raises(ValueError) as e:
        chase(every, on)
    assert words in str(e.value)


def test_milestones_are_bounded_and_name_the_bad_one():
    assert coerce("milestones", "2026-04-10 调研\n\n2026-05-01 初稿", "m") == [
        {"title": "调研", "due": "2026-04-10"}, {"title": "初稿", "due": "2026-05-01"}]
    with pytest.raises(InputError) as e:
        coerce("milestones", [{"title": "a", "due": "2026-04-10"}] * 31, "m")
    assert "at most 30 milestones" in e.value.en
    with pytest.raises(InputError) as e:
        coerce("milestones", [{"title": "a", "due": "2026-04-10"}, {"title": "x" * 201, "due": "2026-04-10"}], "m")
    assert e.value.field == "m[2].title"
    with pytest.raises(InputError) as e:
        coerce("milestones", [{"title": "a", "due": "1999-01-01"}], "m")
    assert e.value.field == "m[1].due"
