"""Sign-in tokens and the signed-in person."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
    must_change_password: bool = Field(False, description="true until the person changes a password an "
                                       "administrator set; every other call answers 403 password_change_required")


class PasswordChange(BaseModel):
    """A person's own password change: the current password, then a new one (at least 10 characters, not the
    login nor containing it, not a common password)."""

    model_config = ConfigDict(extra="forbid")
    current: str = Field(min_length=1, max_length=256)
    new: str = Field(min_length=1, max_length=256, description="at least 10 characters, at most 256")


class PasswordChanged(BaseModel):
    changed: bool


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
