"""Proxies while on leave (代理): giving one, and one as the API shows it."""
from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.core.proxies import MAX_PERIOD, NOTE_MAX

LOGIN = {"min_length": 1, "max_length": 64, "pattern": r"^[\w.\-]+$"}


class ProxyCreate(BaseModel):
    """Name someone to act for you (or, an administrator, for the person in `for`) while you are away. Dates mean
    whole days in the site's time zone (`until` through the end of that day); times without an offset are local.
    The period is at most 366 days (MAX_PERIOD); one proxy at a time per person; the note at most 500 characters."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", json_schema_extra={"examples": [
        {"to": "office.staff1", "from": "2026-03-03", "until": "2026-03-06", "note": "年休假"}]})
    to: str = Field(**LOGIN, description="the login of the proxy (代理人)")
    starts: date | datetime | None = Field(default=None, alias="from",
                                          description="start date or time (default: now)")
    until: date | datetime = Field(description=f"last date, or end time; at most {MAX_PERIOD.days} days after from")
    note: str = Field(default="", max_length=NOTE_MAX, description=f"reason (事由), at most {NOTE_MAX} characters")
    for_: str | None = Field(default=None, alias="for", **LOGIN,
                             description="administrators only: the login of the person who is away")


class ProxyPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: int
    principal: str = Field(description="who is away (被代理人)")
    principal_name: str
    to: str = Field(description="who acts for them (代理人)")
    to_name: str
    starts: datetime = Field(alias="from", serialization_alias="from")
    until: datetime = Field(description="end, exclusive")
    local_from: str
    local_until: str
    note: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    active: bool = Field(description="in force now")


class ProxiesPublic(BaseModel):
    given: list[ProxyPublic] = Field(description="proxies the person named for themselves")
    received: list[ProxyPublic] = Field(description="proxies in which the person acts for someone")
