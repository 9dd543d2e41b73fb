"""The audit trail (留痕), a page at a time."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


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
