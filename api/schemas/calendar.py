"""The working-day calendar: a year's days, one override."""
from __future__ import annotations

from datetime import date  # noqa: F401 - the type of CalendarDayPublic.date (annotations are strings here)

from pydantic import BaseModel, Field, StrictBool


class CalendarDayPublic(BaseModel):
    date: date
    working: bool
    source: str
    name: str | None


class CalendarYearPublic(BaseModel):
    year: int
    year_known: bool
    days: list[CalendarDayPublic]


class CalendarDayUpdate(BaseModel):
    working: StrictBool
    note: str = Field(default="", max_length=200)
