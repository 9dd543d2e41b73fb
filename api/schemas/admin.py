"""Drill mode's clock and the health check."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ClockMove(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"advance": "P3D"}, {"advance": "PT2H30M"}, {"to": "2026-04-01T09:00:00+08:00"}]})
    advance: str | None = Field(default=None, max_length=40, description="ISO-8601 duration, e.g. P3D or P1DT2H")
    to: datetime | None = Field(default=None, description="a time with its zone; the clock never goes back")


class ClockPublic(BaseModel):
    now: datetime
    local_time: str
    fired: list[Any]
    failed: list[Any]


class HealthPublic(BaseModel):
    status: str
    time: datetime
    database: str
