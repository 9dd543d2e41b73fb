"""The lean answers of writes (`?return=minimal`, issue 17): the acted task and its item in a few fields, with the
item's open tasks; the full item is at `links.self` (and in the `Location` header)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

RETURN_Q = ("`minimal`: answer the acted task and its item briefly (state, version, open tasks, a link) instead of "
            "the whole item with its timeline (`full`, the default); the full item is one GET away (`Location`)")
ReturnMode = Annotated[Literal["full", "minimal"], Query(alias="return", description=RETURN_Q)]


class TaskBrief(BaseModel):
    id: int
    step: str
    kind: str
    part: str
    state: str
    holder: dict[str, str | None] = Field(description="person, unit or role holding it")
    version: int
    due_at: datetime | None


class ItemBrief(BaseModel):
    id: int
    state: str
    current_step: str | None
    version: int
    tasks: list[TaskBrief] = Field(description="the item's open tasks (pending or active)")
    links: dict[str, str] = Field(description="`self`: the full item (GET)")


class ActionBrief(BaseModel):
    task: TaskBrief | None = Field(description="the acted task as it is now")
    item: ItemBrief
