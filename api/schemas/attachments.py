"""Attachments (附件): a file of an item as the API shows it, and the reason given when one is removed."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from engine.runtime.attachments import MAX_NOTE


class AttachmentPublic(BaseModel):
    id: int
    instance_id: int | None
    name: str = Field(description="the file's name as uploaded (at most 255 characters)")
    size: int = Field(description="bytes")
    sha256: str
    content_type: str = Field(description="the kind judged from the file's content, not its name")
    note: str | None = None
    origin: str = Field(description="where it came from: registration, progress, complete, comment, instruct, "
                                    "extension, appeal, opinion or item (uploaded to the item)")
    entry_id: int | None = None
    uploaded_by: str
    uploaded_at: datetime


class AttachmentRemoved(AttachmentPublic):
    removed_at: datetime | None
    removed_by: str | None
    removed_reason: str | None


class AttachmentRemove(BaseModel):
    reason: str = Field(min_length=1, max_length=MAX_NOTE, description=f"why it is removed (≤ {MAX_NOTE} characters)")
