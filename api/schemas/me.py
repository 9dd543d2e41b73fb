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


Channel = Literal["inapp", "mail", "dingtalk", "wecom"]


class PreferencesIn(BaseModel):
    """Only the fields sent change; `channel: null` means every channel the person has."""

    model_config = {"extra": "forbid"}
    channel: Channel | None = Field(None, description="preferred channel: inapp (in-app only), mail, dingtalk (work "
                                    "notification), wecom (application message); null: every channel")
    digest: bool | None = Field(None, description="one daily digest of reminders, due notices and chases "
                                "instead of a message each")


class PreferencesPublic(BaseModel):
    channel: Channel | None
    digest: bool
    dingtalk: bool = Field(description="the person has a DingTalk user id")
    wecom: bool = Field(description="the person has a WeCom user id")
    mail: bool = Field(description="the person has a mail address among their channels")
    choices: list[str]
