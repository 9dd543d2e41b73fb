"""People and units as administrators edit them, and the staff import's answer. Every text bounded here, as the
OpenAPI states; the rules behind the bounds (login grammar, known units and roles) live in engine.core.people."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from engine.core.dsl import ROLES
from engine.core.passwords import MAX_LENGTH, MIN_LENGTH

LOGIN_PATTERN = r"^[a-z][a-z0-9._-]{1,63}$"
UNIT_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
ROLE_TEXT = f"role codes ({', '.join(ROLES)}) or their Chinese names, 1 to {len(ROLES)}"


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "finance", "name": "财务部", "name_en": "Finance"}]})
    code: str = Field(max_length=64, description=f"1–64 characters, {UNIT_PATTERN} (checked with a message in the "
                                                 "administrator's words)")
    name: str = Field(min_length=1, max_length=64, description="Chinese name")
    name_en: str = Field("", max_length=128)


class UnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=64)
    name_en: str | None = Field(None, max_length=128)


class UnitOut(BaseModel):
    code: str
    name: str
    name_en: str


class PersonFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_en: str | None = Field(None, max_length=128)
    category: str | None = Field(None, max_length=64, description="appraisal role category (code or Chinese name)")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    dingtalk_userid: str | None = Field(None, max_length=64, description="DingTalk user id, for work notices")
    wecom_userid: str | None = Field(None, max_length=64, description="WeCom (企业微信) user id")


class PersonCreate(PersonFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"login": "finance.li", "name": "李会计", "unit": "finance", "roles": ["staff"], "category": "finance"}]})
    login: str = Field(max_length=64, description=f"2–64 characters: a-z first, then a-z 0-9 . _ - ({LOGIN_PATTERN})")
    name: str = Field(min_length=1, max_length=64)
    unit: str = Field(min_length=1, max_length=64, description="unit code or Chinese name")
    roles: list[str] = Field(default_factory=lambda: ["staff"], min_length=1, max_length=len(ROLES), description=ROLE_TEXT)
    password: str | None = Field(None, max_length=MAX_LENGTH, description=(
        f"an initial password ({MIN_LENGTH}–{MAX_LENGTH} characters), to be changed at the first sign-in"))


class PersonPatch(PersonFields):
    """Only the fields sent change. `active: false` disables the person; disabling or a new `unit` hands their open
    tasks to `handover_to` (a login), else back to the queue of the unit they leave."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"active": False, "handover_to": "finance.wang"}, {"unit": "hr"}, {"roles": ["staff", "clerk"]}]})
    name: str | None = Field(None, min_length=1, max_length=64)
    unit: str | None = Field(None, min_length=1, max_length=64)
    roles: list[str] | None = Field(None, min_length=1, max_length=len(ROLES), description=ROLE_TEXT)
    active: bool | None = None
    handover_to: str | None = Field(None, max_length=64, description="who takes over the open tasks")


class HandedOver(BaseModel):
    task: int
    item: int
    serial: str
    step: str


class PersonOut(BaseModel):
    login: str
    name: str
    name_en: str
    unit: str
    roles: list[str]
    category: str | None
    email: str | None
    phone: str | None
    dingtalk_userid: str | None
    wecom_userid: str | None
    active: bool
    has_password: bool = Field(description="false: the person cannot sign in until a password is set")
    must_change_password: bool
    password_changed_at: datetime | None
    handed_over: list[HandedOver] = Field(default_factory=list, description=(
        "after disabling or moving the person: the open tasks handed over (批量转办)"))


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(min_length=1, max_length=MAX_LENGTH, description=(
        f"{MIN_LENGTH}–{MAX_LENGTH} characters, not the login nor containing it, not a common password"))


class PasswordSetOut(BaseModel):
    login: str
    must_change_password: bool


class ImportedPerson(BaseModel):
    row: int
    login: str
    name: str
    unit: str
    roles: list[str]
    category: str | None


class ImportOut(BaseModel):
    dry_run: bool
    count: int
    created: list[ImportedPerson] = Field(description="who was (or, on a dry run, would be) created")
    without_password: list[str] = Field(default_factory=list, description="people who cannot sign in until "
                                        "an administrator sets their password")
