"""Schemas of the supervision-list import (会议纪要督办清单)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ImportedItem(BaseModel):
    row: int = Field(description="the spreadsheet's row number (the header is row 1)")
    title: str
    subject: dict[str, Any] = Field(description="the subject as it is (or would be) registered, codes for units "
                                    "and people")
    id: int | None = Field(None, description="the new item's id (not on a dry run)")


class ListImportOut(BaseModel):
    dry_run: bool
    count: int
    items: list[ImportedItem] = Field(description="what was (or, on a dry run, would be) created, in row order")
