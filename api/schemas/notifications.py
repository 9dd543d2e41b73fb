"""The caller's inbox."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationPublic(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    link: str | None = Field(None, description="where the message leads: its one-tap link (/go/..., good once, "
                             "for its recipient) or its item; absolute under DUBAN_BASE_URL")
    instance_id: int | None
    task_id: int | None
    created_at: datetime
    read_at: datetime | None
    read: bool
