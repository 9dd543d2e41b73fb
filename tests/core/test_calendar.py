"""The office's working days, pinned against the 国务院办公厅 2026 holiday notice.

2026 as published: 元旦 Jan 1-3 off (Sun Jan 4 worked); 春节 Feb 15-23 off (Sat Feb 14 and
Sat Feb 28 worked); 清明 Apr 4-6; 劳动节 May 1-5 (Sat May 9 worked); 端午 Jun 19-21;
中秋 Sep 25-27; 国庆 Oct 1-7 (Sun Sep 20 and Sat Oct 10 worked).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
import pytest

from engine.core.calendar import CalendarError, CalendarSettings, WorkCalendar

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A moment in the office (Asia/Shanghai)."""
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# -- the 2026 calendar ---------------------------------------------------------------------


def test_spring_festival_2026(cal):
    # Saturdays worked to pay for the long break.
    assert cal.is_working_day(date(2026, 2, 14))
    assert cal.is_working_day(date(2026, 2, 28))
    assert cal.describe_day(date(2026, 2, 14))["source"] == "statutory"
    # Nine days off, Sunday Feb 15 to Monday Feb 23.
    for d in days_between(date(2026, 2, 15), date(2026, 2, 23)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(date(2026, 2, 13))  # Friday before: an ordinary working day
    assert cal.is_working_day(date(2026, 2, 24))  # back at the desk on Tuesday
    day = cal.describe_day(date(2026, 2, 17))
    assert day == {"date": date(2026, 2, 17), "working": False, "source": "statutory",
                   "name": "Spring Festival"}


def test_national_day_2026(cal):
    for d in days_between(date(2026, 10, 1), date(2026, 10, 7)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(date(2026, 9, 20))   # Sunday, worked
    assert cal.is_working_day(date(2026, 10, 10))  # Saturday, worked
    assert not cal.is_working_day(date(2026, 9, 19))  # the Saturday before stays off
    assert not cal.is_working_day(date(2026, 10, 11))  # and the Sunday after


def test_other_2026_holidays(cal):
    assert not cal.is_working_day(date(2026, 1, 1))
    assert not cal.is_working_day(date(2026, 1, 2))
    assert cal.is_working_day(date(2026, 1, 4))  # Sunday worked for 元旦
    assert not cal.is_working_day(date(2026, 4, 6))  # 清明 Monday
    for d in days_between(date(2026, 5, 1), date(2026, 5, 5)):
        assert not cal.is_working_day(d), d
    assert cal.is_working_day(date(2026, 5, 9))
    assert not cal.is_working_day(date(2026, 6, 19))  # 端午
    assert not cal.is_working_day(date(2026, 9, 25))  # 中秋


def test_days_lists_the_year_of_exceptions(cal):
    listed = cal.days(2026)
    assert [d["date"] for d in listed] == sorted(d["date"] for d in listed)
    makeup = [d["date"] for d in listed if d["working"]]
    assert makeup == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
                      date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]
    assert all(d["source"] == "statutory" and d["name"] for d in listed)
    off_weekdays = {d["date"] for d in listed if not d["working"] and d["date"].weekday() < 5}
    assert {date(2026, 2, 16), date(2026, 10, 7)} <= off_weekdays


@pytest.mark.parametrize("year", [2025, 2026])
def test_both_libraries_agree(cal, year):
    cn = holidays.China(years=year)
    for d in days_between(date(year, 1, 1), date(year, 12, 31)):
        by_holidays = d not in cn and (d.weekday() < 5 or d in cn.weekend_workdays)
        assert chinese_calendar.is_workday(d) == by_holidays == cal.is_working_day(d), d


def test_plain_days_follow_the_week(cal):
    assert cal.describe_day(date(2026, 3, 4)) == {
        "date": date(2026, 3, 4), "working": True, "source": "weekday", "name": None}
    assert not cal.is_working_day(date(2026, 3, 7))  # an ordinary Saturday
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert cal.prev_working_day(date(2026, 2, 24)) == date(2026, 2, 14)
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)


# -- deadlines -----------------------------------------------------------------------------


def test_three_working_days_issued_before_spring_festival(cal):
    # Issued Friday 2026-02-13 10:00; the day of issue is not counted.
    # day 1 = Sat 02-14 (调休 working Saturday); 02-15..02-23 off;
    # day 2 = Tue 02-24; day 3 = Wed 02-25 -> due at 18:00 that day.
    due = cal.add_working_days(at(2026, 2, 13, 10), 3)
    assert due == at(2026, 2, 25, 18)
    assert due.tzinfo == SH and due.utcoffset() == timedelta(hours=8)


def test_three_working_days_issued_before_national_day(cal):
    # Issued Wednesday 2026-09-30 10:00. 10-01..10-07 off;
    # day 1 = Thu 10-08; day 2 = Fri 10-09; day 3 = Sat 10-10 (调休 working Saturday).
    assert cal.add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 10, 18)
    # Issued Friday 2026-09-18: day 1 = Sun 09-20 (worked), day 2 = Mon 09-21.
    assert cal.add_working_days(at(2026, 9, 18, 15), 2) == at(2026, 9, 21, 18)


def test_issue_time_is_read_in_the_office_time_zone(cal):
    # 02:00 UTC is 10:00 in Shanghai on the 13th: same answer as above.
    assert cal.add_working_days(datetime(2026, 2, 13, 2, tzinfo=timezone.utc), 3) == at(2026, 2, 25, 18)
    # 17:00 UTC on the 13th is already 01:00 on Saturday the 14th in Shanghai:
    # day 1 = 02-24, day 2 = 02-25, day 3 = 02-26.
    assert cal.add_working_days(datetime(2026, 2, 13, 17, tzinfo=timezone.utc), 3) == at(2026, 2, 26, 18)


def test_zero_working_days_means_today_or_the_next_working_day(cal):
    assert cal.add_working_days(at(2026, 3, 4, 10), 0) == at(2026, 3, 4, 18)
    assert cal.add_working_days(at(2026, 10, 1, 10), 0) == at(2026, 10, 8, 18)
    with pytest.raises(CalendarError):
        cal.add_working_days(at(2026, 3, 4, 10), -1)


def test_chasing_overdue_work(cal):
    # Due Wed 2026-09-30 18:00, the eve of National Day; the first chase
    # lands on Thu 10-08, escalation after 3 overdue working days on Sat 10-10.
    due = cal.due_on_date(date(2026, 9, 30))
    assert cal.add_working_days_after_due(due, 1) == at(2026, 10, 8, 18)
    assert cal.add_working_days_after_due(due, 3) == at(2026, 10, 10, 18)
    assert cal.add_working_days_after_due(due, 3) == cal.add_working_days(due, 3)


def test_working_days_between_across_national_day(cal):
    # From Wed 09-30 to Mon 10-12: 10-08, 10-09, 10-10 and 10-12 (Sun 10-11 is off).
    assert cal.working_days_between(at(2026, 9, 30, 18), at(2026, 10, 12, 9)) == 4
    assert cal.working_days_between(at(2026, 10, 12, 9), at(2026, 9, 30, 18)) == 0
    assert cal.working_days_between(at(2026, 10, 2), at(2026, 10, 7, 23)) == 0
    # Across the new year: 2025-12-31 (Wed) to 2026-01-05 (Mon): Sun 01-04 and Mon 01-05.
    assert cal.working_days_between(at(2025, 12, 31, 12), at(2026, 1, 5, 12)) == 2


def test_remind_two_working_days_before_due(cal):
    # Due Fri 10-09: one working day before is Thu 10-08, two is Wed 09-30.
    assert cal.working_days_before(at(2026, 10, 9, 18), 2) == at(2026, 9, 30, 9)
    # Due Wed 02-25: Tue 02-24, then the working Saturday 02-14.
    assert cal.working_days_before(at(2026, 2, 25, 18), 2) == at(2026, 2, 14, 9)
    with pytest.raises(CalendarError):
        cal.working_days_before(at(2026, 2, 25, 18), 0)


def test_working_hours_cross_a_weekend(cal):
    # Fri 2026-03-06 17:00 + 3 office hours: 1 h on Friday, 2 h Monday morning.
    assert cal.add_working_hours(at(2026, 3, 6, 17), 3) == at(2026, 3, 9, 11)
    # Asked on Saturday: the clock starts at Monday's opening.
    assert cal.add_working_hours(at(2026, 3, 7, 10), 1) == at(2026, 3, 9, 10)
    # Asked at 20:00: starts next morning; ending exactly at close stays at 18:00.
    assert cal.add_working_hours(at(2026, 3, 4, 20), 9) == at(2026, 3, 5, 18)
    assert cal.add_working_hours(at(2026, 3, 4, 7), 0.5) == at(2026, 3, 4, 9, 30)


def test_working_hours_cross_spring_festival(cal):
    # Fri 02-13 16:00 + 12 h: 2 h Friday, 9 h on the working Saturday 02-14,
    # the last hour on Tue 02-24 -> 10:00.
    assert cal.add_working_hours(at(2026, 2, 13, 16), 12) == at(2026, 2, 24, 10)


def test_plain_hours_and_due_dates(cal):
    assert cal.add_hours(at(2026, 2, 14, 20), 48) == at(2026, 2, 16, 20)
    # "due: 2026-02-17" (Spring Festival) moves to the next working day, Tue 02-24 (期限届满日遇节假日顺延)
    assert cal.due_on_date(date(2026, 2, 17)) == at(2026, 2, 24, 18)
    assert cal.due_day(date(2026, 2, 17)) == date(2026, 2, 24)
    assert cal.due_on_date(date(2026, 3, 4)) == at(2026, 3, 4, 18)  # a working day stays
    assert cal.due_on_date(date(2026, 2, 14)) == at(2026, 2, 14, 18)  # a 调休 Saturday is a working day
    assert cal.due_on_date(date(2026, 3, 7)) == at(2026, 3, 9, 18)  # a plain Saturday moves to Monday
    # a site that keeps due dates as written: 18:00 on the holiday itself
    keep = WorkCalendar(settings=CalendarSettings(due_on_day_off="keep"))
    assert keep.due_on_date(date(2026, 2, 17)) == at(2026, 2, 17, 18)
    with pytest.raises(CalendarError, match="due_on_day_off"):
        WorkCalendar(settings=CalendarSettings(due_on_day_off="later"))
    assert cal.open_of(date(2026, 3, 4)) == at(2026, 3, 4, 9)
    assert cal.close_of(date(2026, 3, 4)) == at(2026, 3, 4, 18)


def test_other_office_hours():
    cal = WorkCalendar(settings=CalendarSettings(office_open=time(8, 30), office_close=time(17, 30)))
    assert cal.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 14, 17, 30)
    assert cal.add_working_hours(at(2026, 2, 13, 17), 1) == at(2026, 2, 14, 9)
    with pytest.raises(CalendarError):
        WorkCalendar(settings=CalendarSettings(timezone="Mars/Olympus"))


def test_naive_datetime_refused(cal):
    with pytest.raises(CalendarError, match="naive"):
        cal.add_working_days(datetime(2026, 2, 13, 10), 3)
    with pytest.raises(CalendarError):
        cal.working_days_between(at(2026, 2, 13), datetime(2026, 2, 20))
    with pytest.raises(CalendarError):
        cal.add_working_hours(datetime(2026, 2, 13, 10), 1)


# -- years the libraries do not know, and local overrides -----------------------------------


def test_unknown_year_falls_back_to_the_week(cal):
    assert cal.year_known(2026)
    assert not cal.year_known(2027)
    new_year = cal.describe_day(date(2027, 1, 1))
    assert new_year == {"date": date(2027, 1, 1), "working": True, "source": "weekday", "name": None}
    assert cal.days(2027) == []


def test_override_wins_over_the_weekday_rule(cal):
    local = cal.with_overrides({date(2027, 1, 1): False, date(2027, 2, 20): True})
    assert not local.year_known(2027)  # two rows are not the year's statutory list
    assert local.unknown_years(date(2026, 12, 1), date(2027, 3, 1)) == [2027]
    assert not local.is_working_day(date(2027, 1, 1))  # Friday, off
    assert local.is_working_day(date(2027, 2, 20))  # a Saturday declared working
    assert local.describe_day(date(2027, 1, 1))["source"] == "override"
    assert [d["date"] for d in local.days(2027)] == [date(2027, 1, 1), date(2027, 2, 20)]
    # Issued Thu 2026-12-31: day 1 skips New Year's Day -> Mon 2027-01-04.
    assert local.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 18)
    assert cal.add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 1, 18)  # original untouched
    assert local.settings == cal.settings


def test_a_year_is_known_when_the_calendar_file_declares_it_complete(cal):
    entered = WorkCalendar({date(2027, 1, 1): False}, complete_years=[2027])
    assert entered.year_known(2027) and entered.unknown_years(date(2026, 1, 1), date(2027, 12, 31)) == []
    assert entered.with_overrides({date(2027, 2, 20): True}).year_known(2027)
    assert not entered.year_known(2028)
    assert cal.unknown_years(date(2026, 1, 1), date(2026, 12, 31)) == []


def test_override_wins_over_the_library(cal):
    local = cal.with_overrides({date(2026, 2, 14): False, date(2026, 10, 7): True})
    assert not local.is_working_day(date(2026, 2, 14))
    assert local.is_working_day(date(2026, 10, 7))
    assert local.describe_day(date(2026, 10, 7))["name"] == "National Day"
    assert local.add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 24, 18)


def test_bad_overrides_refused():
    with pytest.raises(CalendarError):
        WorkCalendar({date(2027, 1, 1): "no"})
    with pytest.raises(CalendarError):
        WorkCalendar({datetime(2027, 1, 1, tzinfo=SH): False})


# -- purity ----------------------------------------------------------------------------------
