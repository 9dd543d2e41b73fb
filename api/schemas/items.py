"""Items (instances): starting one, one item with its timeline, a page of summaries, and what an action on one
of its tasks returns."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from api.schemas.attachments import AttachmentPublic
from engine.core.fields import MAX_ATTACHMENTS
from api.schemas.common import Label
from api.schemas.lights import LIGHT_FIELD, LightPublic
from api.schemas.tasks import TaskPublic
from engine.core import limits


class FileLink(BaseModel):
    id: int
    name: str
    size: int
    url: str = Field(description="where to download it")


class EntryPublic(BaseModel):
    kind: str
    person: str
    text: str
    percent: int | None
    at: datetime
    task_id: int | None
    attachments: list[FileLink] = Field(default=[], description="the files sent with it")


class TimelineEventPublic(BaseModel):
    at: datetime
    local_time: str
    actor: str | None
    kind: str
    task_id: int | None
    text: str
    on_behalf_of: str | None = Field(default=None, description="the login of the person the actor acted for (代)")
    attachments: list[FileLink] = Field(default=[], description="the files it added or sent")


class ItemCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"definition": "directive", "subject": {
        "title": "落实安全生产大检查", "instruction": "请财务部牵头", "leader": "leader", "lead_unit": "finance",
        "co_units": ["hr"], "due": "2026-03-20"}}]})
    definition: str = Field(min_length=1, max_length=64)
    subject: Annotated[dict[str, Any], WithJsonSchema({"type": "object", "maxProperties": limits.MAX_ITEMS,
                                                       "additionalProperties": limits.value_schema()})] = Field(
        description="the definition's fields (see GET /definitions/{key}: each with its max_length or max_items); "
                    "a longer text or list is refused with 422 naming the field")
    attachments: list[int] = Field(default=[], max_length=MAX_ATTACHMENTS, description=(
        f"ids of files uploaded for this registration (POST /attachments), at most {MAX_ATTACHMENTS}"))


class ParentPublic(BaseModel):
    """The item this one is a part of (任务分解), when the caller may see it."""

    id: int
    serial: str
    title: str


class ChildPublic(BaseModel):
    """One part of the item (分解事项) the caller may see."""

    id: int
    serial: str = Field(description="e.g. 督〔2026〕15-1号")
    title: str
    state: str
    state_label: Label
    lead_unit: str | None
    lead: str | None = Field(description="the part's lead, by name")
    due_at: datetime | None
    progress_percent: int | None
    card: str
    weight: float | None


class RollupPublic(BaseModel):
    """The parts rolled up: progress (mean, or weighted by `weight`), earliest open due date, worst card."""

    parts: int
    open: int
    closed: int
    progress: int
    weighted: bool
    earliest_due: datetime | None
    worst_card: str


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
    attachments: list[AttachmentPublic] = Field(default=[], description="the item's files (附件), removed ones left out")
    parent: ParentPublic | None = Field(default=None, description="the item this one is a part of (任务分解)")
    children: list[ChildPublic] = Field(default=[], description="its parts the caller may see (分解事项)")
    rollup: RollupPublic | None = Field(default=None, description="its parts rolled up, when it has any")
    rating: "RatingPublic | None" = Field(default=None, description="办结评价: the instructing leader's rating")
    light: LightPublic | None = LIGHT_FIELD
    level: str | None = Field(default=None, description="督办级别: normal 一般, key 重点, flagged 挂牌督办 "
                              "(null for a definition without levels)")


class RatingPublic(BaseModel):
    """办结评价 (engine.core.rating): `value` satisfied 满意 | basically 基本满意 | unsatisfied 不满意 | none 未评价
    (the window closed unrated) | null (not rated yet, or no rating asked)."""

    value: str | None
    label: Label
    comment: str = Field(description="the rater's comment (required for 不满意); at most the long-text limit")
    by: str | None = Field(description="who rated (login); a proxy's own login, the leader in on_behalf_of")
    on_behalf_of: str | None
    at: str | None
    due_at: datetime | None = Field(description="while pending: when the rating lapses to 未评价")
    pending: bool
    rater: str | None = Field(description="whom the rating task is for")
    task_id: int | None


ItemPublic.model_rebuild()


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
