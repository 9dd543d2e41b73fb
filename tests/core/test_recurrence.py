"""The recurring items' calculator (engine.core.recurrence), pure: periods of each schedule, the day `on` names in
them on the Chinese working-day calendar, when a trigger is due, and the words for an `on` nobody can read."""
from __future__ import annotations

from datetime import date

import pytest

from engine.core import recurrence as r
from engine.core.calendar import WorkCalendar
from tests.support.clock import at

CAL = WorkCalendar()


@pytest.mark.parametrize("schedule,on,day", [
    ("monthly", "5th working day", date(2025, 2, 10)),        # 春节 off, make-up Saturday 8 Feb counts
    ("monthly", "last working day", date(2025, 2, 28)),
    ("monthly", "day 1", date(2025, 2, 5)),                  # 1 Feb is 春节: the next working day
    ("quarterly", "1st working day", date(2025, 4, 1)),
    ("quarterly", "last working day", date(2025, 6, 30)),
    ("yearly", "1st working day", date(2025, 1, 2)),         # 元旦 off
    ("weekly", "fri", date(2025, 10, 9)),                    # 国庆: Friday 3 Oct is off, Thursday 9 is not
    ("weekly", "1st working day", date(2025, 10, 9)),        # the week of 6 Oct opens on Thursday, after 国庆
])
def test_the_day_on_names(schedule, on, day):
    span = r.span_of(day, schedule) if schedule != "weekly" or on != "fri" else r.span_of(date(2025, 10, 3), schedule)
    assert r.day_in(span, r.parse_on(on, schedule), CAL) == day


def test_period_keys_and_titles():
    assert r.span_of(date(2026, 3, 9), "weekly").key == "2026-W11"
    assert r.span_of(date(2026, 3, 9), "monthly").title_zh == "2026年3月"
    assert r.span_of(date(2026, 3, 9), "quarterly").previous().key == "2025Q4"
    assert r.span_of(date(2026, 3, 9), "yearly").key == "2026"


def test_the_due_period_is_the_last_moment_at_or_before_now():
    due = r.due_now("monthly", "5th working day", "09:00", "previous", at("2025-02-10 09:00"), CAL)
    assert (due.period.key, due.moment, due.calendar_known) == ("2025-01", at("2025-02-10 09:00"), True)
    assert r.due_now("monthly", "5th working day", "09:00", "previous",
                     at("2025-02-10 08:59"), CAL).period.key == "2024-12"
    assert r.due_now("weekly", "fri", "16:00", "current", at("2026-03-13 16:00"), CAL).period.key == "2026-W11"


@pytest.mark.parametrize("on,schedule,words", [
    ("25th working day", "monthly", "between 1st and 23th"),
    ("6th working day", "weekly", "at most 5 working days"),
    ("fri", "monthly", "weekday is for a weekly schedule"),
    ("every other tuesday", "weekly", "is not understood"),
])
def test_an_on_nobody_can_read_is_refused_in_words(on, schedule, words):
    with pytest.raises(ValueError, match=words):
        r.parse_on(on, schedule)


def test_a_template_with_an_unknown_name_is_refused():
    assert r.template_problems({"title": "{period_zh}工作总结", "period": "{period}"}) == []
    assert "{month_name}" in r.template_problems({"title": "{month_name}工作总结"})[0]
    assert r.fill({"title": "{period_zh}工作总结", "co": ["hr"]}, r.span_of(date(2026, 1, 5), "monthly").variables()) \
        == {"title": "2026年1月工作总结", "co": ["hr"]}
