"""Sign-in tokens and the signed-in person."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Label


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class LogoutPublic(BaseModel):
    revoked: bool


class RolePublic(BaseModel):
    id: str
    label: Label


class UnitPublic(BaseModel):
    id: str
    name: Label


class MePublic(BaseModel):
    login: str
    name: Label
    unit: UnitPublic
    roles: list[RolePublic]
    category: str | None = None
    may_start: list[str] = Field(description="definitions this person may start")
