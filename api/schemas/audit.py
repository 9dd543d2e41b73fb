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


class ChainFaultPublic(BaseModel):
    kind: str  # edited, deleted, inserted, relinked
    id: int | None  # the event's id (None: events missing at the end of the chain)
    seq: int | None
    message_zh: str
    message_en: str


class ChainVerdictPublic(BaseModel):
    ok: bool
    checked: int  # events read
    head_seq: int  # the last seq the writer recorded
    head_hash: str  # note it down: a later check ending on it proves nothing before it changed
    fault: ChainFaultPublic | None  # the first broken place, or null when the chain verifies
