"""Recurring items (周期性事项): the shipped monthly report (definitions/monthly_report.yaml) starts by itself on the
5th working day of each month — across the 2025 Spring Festival, where the make-up Saturday counts and the holiday
week does not — once per month even with a second scheduler, a restart or the site down over the moment; a month
in a year the calendar does not know is started all the same and said aloud."""
from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from engine.runtime.boot import open_site
from engine.runtime.recurring import ensure_due
from engine.store import db
from engine.store.tables import PeriodRun
from tests.support.clock import at, manual_clock
from tests.support.databases import demo_site
from tests.support.office import Office


@pytest.fixture
def office_2025(database_url):
    clock = manual_clock("2025-01-20 09:30")  # the site goes live on Monday 20 January 2025
    site = demo_site(database_url, clock)
    yield Office(site, clock), site, clock
    site.eng.dispose()


def report_runs(site) -> list[tuple[str, int]]:
    t = PeriodRun.__table__
    with db.read(site.eng) as c:
        return [(r.key, r.instance_id) for r in c.execute(
            sa.select(t.c.key, t.c.instance_id).where(t.c.key.like("monthly_report:%")).order_by(t.c.key))]


def test_the_monthly_report_starts_on_the_5th_working_day_across_the_spring_festival_once(office_2025,
                                                                                        database_url, caplog):
    office, site, clock = office_2025
    # January's 5th working day (8 January) came before the site went live: not a missed one
    assert ensure_due(site, at("2025-01-20 09:30")) == []
    # 春节 28 Jan - 4 Feb: Wed 5, Thu 6, Fri 7, make-up Saturday 8, Monday 10 — a Mon-Fri count would say Friday 7
    for moment in ("2025-02-07 09:00", "2025-02-08 09:00", "2025-02-10 08:59"):
        clock.set(at(moment))
        assert ensure_due(site) == [], moment
    clock.set(at("2025-02-10 09:00"))
    [started] = ensure_due(site)
    assert (started.definition, started.period, started.created) == ("monthly_report", "2025-01", True)
    view = office.view(started.item_id)
    assert view["title"] == "2025年1月工作总结报送"
    handle = office.tasks(started.item_id, "handle")
    assert sorted(t["holder"]["unit"] for t in handle) == ["finance", "hr", "it", "office", "service"]
    assert [t["holder"]["unit"] for t in handle if t["part"] == "lead"] == ["office"]

    # a second scheduler on the same database, and a restart, start nothing more
    second = open_site(database_url, clock, migrate=False)
    try:
        assert ensure_due(second) == []
    finally:
        second.eng.dispose()
    clock.set(at("2025-02-11 09:00"))
    assert ensure_due(site) == []
    assert report_runs(site) == [("monthly_report:2025-01", started.item_id)]

    # the site is down over 7 March (March's 5th working day) and comes back on the 12th: February's starts, once
    clock.set(at("2025-03-12 10:00"))
    [late] = ensure_due(site)
    assert late.period == "2025-02" and office.view(late.item_id)["title"] == "2025年2月工作总结报送"
    assert ensure_due(site) == []
    assert [k for k, _ in report_runs(site)] == ["monthly_report:2025-01", "monthly_report:2025-02"]


def test_a_month_in_a_year_the_calendar_does_not_know_is_started_and_said_aloud(office_2025, caplog):
    office, site, clock = office_2025
    clock.set(at("2027-01-08 09:00"))  # 5th working day after 元旦 (the only 2027 row); no other 2027 holidays known
    with caplog.at_level(logging.WARNING, logger="duban.recurring"):
        [started] = ensure_due(site, only={"monthly_report"})  # (the appraisal's Q4 cycle is its own story)
    assert started.period == "2026-12" and started.calendar_known is False
    assert any("2027" in r.getMessage() and "does not know" in r.getMessage() for r in caplog.records)
