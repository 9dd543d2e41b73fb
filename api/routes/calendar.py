"""The working-day calendar: a year's special days for everyone; overrides by administrators."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import CurrentUser, SiteDep
from api.routes import ERRORS
from api.schemas.calendar import CalendarDayPublic, CalendarDayUpdate, CalendarYearPublic
from engine.core.fields import YEARS_SHOWN
from engine.reads import lists as listing
from engine.runtime import calendar_admin

router = APIRouter(prefix="/calendar", tags=["calendar"], responses={401: ERRORS[401], 422: ERRORS[422]})
Day = Annotated[date, Path(description="YYYY-MM-DD", examples=["2026-10-10"])]


@router.get("", response_model=CalendarYearPublic)
def calendar_year(user: CurrentUser, site: SiteDep, year: Annotated[int | None, Query(ge=YEARS_SHOWN.first, le=YEARS_SHOWN.last)] = None):
    """Holidays, make-up working days (调休) and local overrides of a year (default: this year)."""
    year = year or site.cal.local_date(site.clock.now()).year
    return listing.calendar_year(site, year=year)


@router.put("/{day}", response_model=CalendarDayPublic, responses={403: ERRORS[403]})
def set_day(day: Day, body: CalendarDayUpdate, user: CurrentUser, site: SiteDep):
    """Mark a date a working day or a day off (administrators)."""
    return calendar_admin.set_calendar_day(site, login=user.login, day=day, working=body.working, note=body.note)


@router.delete("/{day}", response_model=CalendarDayPublic, responses={403: ERRORS[403], 404: ERRORS[404]})
def unset_day(day: Day, user: CurrentUser, site: SiteDep):
    """Remove a date's override (administrators); the statutory calendar applies again."""
    return calendar_admin.unset_calendar_day(site, login=user.login, day=day)
