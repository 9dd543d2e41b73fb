"""Request and response schemas, one family per resource (Create / Update / Public / Page); every route
declares its response_model from here."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class Label(BaseModel):
    zh: str
    en: str


# ------------------------------------------------------------------ errors
class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_allowed"])
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


# ------------------------------------------------------------------ auth and me
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


# ------------------------------------------------------------------ tasks
class ActionFieldPublic(BaseModel):
    name: str
    type: str
    required: bool
    label: Label
    choices: list[Any] | None = None


class ActionPublic(BaseModel):
    name: str
    label: Label
    fields: list[ActionFieldPublic]


class TaskPublic(BaseModel):
    id: int
    version: int
    instance_id: int
    serial: str
    title: str
    definition: str
    step: str
    step_title: str
    kind: str
    part: str
    holder: dict[str, str]
    holder_name: str
    state: str
    state_label: Label
    due_at: datetime | None
    overdue: bool
    working_days_left: int | None
    card: str
    chase_count: int
    created_at: datetime
    data: dict[str, Any]
    actions: list[ActionPublic] = Field(description="what the caller may do on this task now, with the fields")


class ActionInput(BaseModel):
    """The action's fields (see the task's `actions[].fields`), plus the task version the client saw."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"version": 2, "text": "已完成自查", "percent": 40}, {"to": "finance.staff1", "reason": "请具体承办"}]})
    version: int | None = Field(default=None, ge=1, le=2_147_483_647,
                                description="the task version the client saw; a stale one gives 409")


# ------------------------------------------------------------------ items
class EntryPublic(BaseModel):
    kind: str
    person: str
    text: str
    percent: int | None
    at: datetime
    task_id: int | None


class TimelineEventPublic(BaseModel):
    at: datetime
    local_time: str
    actor: str | None
    kind: str
    task_id: int | None
    text: str


class ItemCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"definition": "directive", "subject": {
        "title": "落实安全生产大检查", "instruction": "请财务部牵头", "leader": "leader", "lead_unit": "finance",
        "co_units": ["hr"], "due": "2026-03-20"}}]})
    definition: str = Field(min_length=1, max_length=64)
    subject: dict[str, Any]


class ItemPublic(BaseModel):
    id: int
    serial: str
    definition: str
    definition_version: int
    title: str
    subject: dict[str, Any]
    state: str
    state_label: Label
    current_step: str | None
    current_step_title: str | None
    assignment: dict[str, Any]
    due_at: datetime | None
    card: str
    initiator: str
    confidential: bool
    progress: str | None
    progress_percent: int | None
    created_at: datetime
    closed_at: datetime | None
    version: int
    tasks: list[TaskPublic]
    entries: list[EntryPublic]
    timeline: list[TimelineEventPublic]


class ItemSummary(BaseModel):
    id: int
    serial: str
    definition: str
    title: str
    state: str
    state_label: Label
    current_step: str | None
    current_step_title: str | None
    lead_unit: str | None
    due_at: datetime | None
    overdue: bool
    card: str
    confidential: bool
    initiator: str
    progress_percent: int | None
    created_at: datetime
    closed_at: datetime | None


class ItemPage(BaseModel):
    items: list[ItemSummary]
    total: int
    page: int
    page_size: int


class ActionResult(BaseModel):
    task: TaskPublic | None
    item: ItemPublic | None


# ------------------------------------------------------------------ definitions
class FieldPublic(BaseModel):
    name: str
    type: str
    required: bool
    label: Label | None
    values: list[str] | None = None
    default: Any = None


class StepPublic(BaseModel):
    id: str
    kind: str
    title: Label | None


class DefinitionSummary(BaseModel):
    id: str
    version: int
    title: Label
    serial_prefix: str
    fields: list[FieldPublic]
    may_start: bool


class DefinitionPublic(DefinitionSummary):
    start: str
    steps: list[StepPublic]
    diagram: str | None = Field(description="Mermaid flowchart text")


class DefinitionSource(BaseModel):
    yaml: str = Field(max_length=1_000_000)


class ValidationPublic(BaseModel):
    ok: bool
    problems: list[str]
    definition: str | None = None
    version: int | None = None


# ------------------------------------------------------------------ notifications
class NotificationPublic(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    instance_id: int | None
    task_id: int | None
    created_at: datetime
    read_at: datetime | None
    read: bool


# ------------------------------------------------------------------ calendar
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


# ------------------------------------------------------------------ audit
class AuditEventPublic(BaseModel):
    id: int
    instance_id: int | None
    serial: str | None
    task_id: int | None
    at: datetime
    local_time: str
    actor: str | None
    kind: str
    text: str
    data: dict[str, Any]


class AuditPage(BaseModel):
    events: list[AuditEventPublic]
    total: int
    page: int
    page_size: int


# ------------------------------------------------------------------ drill mode and health
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
