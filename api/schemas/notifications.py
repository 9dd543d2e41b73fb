"""The caller's inbox."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


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
