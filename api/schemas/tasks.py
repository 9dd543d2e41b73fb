"""Tasks with the actions their caller may take, and an action's input and result."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Label
from api.schemas.lights import LIGHT_FIELD, LightPublic
from engine.core import limits


class ActionFieldPublic(BaseModel):
    name: str
    type: str
    required: bool
    label: Label
    choices: list[Any] | None = None
    min: float | None = Field(default=None, description="number fields: the smallest value accepted")
    max: float | None = Field(default=None, description="number fields: the largest value accepted")
    max_length: int | None = Field(default=None, description="text fields: the most characters accepted")
    max_items: int | None = Field(default=None, description="list fields: the most entries accepted")


class ActionPublic(BaseModel):
    name: str
    label: Label
    fields: list[ActionFieldPublic]


class TaskBase(BaseModel):
    """What every view of a task carries: the 我的待办 card (TaskRow) and the full task (TaskPublic)."""

    id: int
    version: int = Field(description="the task version, for an action's `version`")
    instance_id: int = Field(description="the item")
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


class TaskPublic(TaskBase):
    created_at: datetime
    data: dict[str, Any]
    actions: list[ActionPublic] = Field(description="what the caller may do on this task now, with the fields")
    on_behalf_of: str | None = Field(default=None, description="代: the name of the person the caller stands in "
                                     "for on this task (a proxy while they are on leave); null for one's own")
    on_behalf_of_login: str | None = Field(default=None, description="that person's login")
    light: LightPublic | None = LIGHT_FIELD


class TaskLinks(BaseModel):
    self: str = Field(description="the full task, with every action and its fields: GET /api/v1/tasks/{id}")
    item: str = Field(description="its item: GET /api/v1/instances/{id}")


class TaskRow(TaskBase):
    """A 我的待办 card (GET /me/tasks): what the card shows and the one or two primary actions by name; the full
    task with every action's fields is `links.self` (or `?view=full` for whole pages of TaskPublic)."""

    closed_at: datetime | None = Field(description="when it was closed (the 已办 tab's order)")
    level: str | None = Field(default=None, description="督办级别, for definitions that have one")
    light: LightPublic | None = LIGHT_FIELD
    urgency: str | None = None
    urgency_label: Label | None = None
    on_behalf_of: str | None = Field(default=None, description="代: the name of the person the caller stands in "
                                     "for on this task (a proxy while they are on leave); null for one's own")
    on_behalf_of_login: str | None = None
    actions: list[str] = Field(description="the one or two primary actions the caller may take now, by name (POST "
                               "/tasks/{id}/actions/{name}); their fields and the others: `links.self`")
    more_actions: int = Field(description="how many other actions the caller may take (see `links.self`)")
    links: TaskLinks


class ActionInput(BaseModel):
    """The action's fields (see the task's `actions[].fields`), plus the task version the client saw."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"version": 2, "text": "已完成自查", "percent": 40}, {"to": "finance.staff1", "reason": "请具体承办"}],
        "additionalProperties": limits.value_schema()})
    version: int | None = Field(default=None, ge=1, le=2_147_483_647,
                                description="the task version the client saw; a stale one gives 409 `conflict` "
                                            "(as does acting on a task someone has just closed, version or not), "
                                            "its details naming the `winner`, their `action` and `at`")


class BulkInput(BaseModel):
    """One action on several tasks (批量办理): at most 200 task ids, none twice, and the action's fields."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"task_ids": [12, 13, 14], "fields": {}}, {"task_ids": [7, 9], "fields": {"to": "hr", "reason": "属人事职责"}}]})
    task_ids: list[int] = Field(min_length=1, max_length=200, description="the tasks (at most 200, none twice)")
    fields: dict[str, Any] = Field(default_factory=dict, max_length=20,
                                   description="the action's fields, as for one task (see `actions[].fields`)")


class BulkOutcome(BaseModel):
    task_id: int
    ok: bool
    instance_id: int | None = None
    error: dict[str, Any] | None = Field(default=None, description="the refusal, in the error shape's `error`")
    status: int | None = Field(default=None, description="the HTTP status the refusal would have alone")


class BulkResult(BaseModel):
    action: str
    done: int
    refused: int
    results: list[BulkOutcome]
