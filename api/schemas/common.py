"""Shapes every resource shares: a label in both languages, and the one error body."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Label(BaseModel):
    zh: str
    en: str


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_allowed"])
    message: str
    details: dict[str, Any] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail
