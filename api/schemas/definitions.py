"""Workflow definitions: summaries, one with its steps and fields, YAML source and its check."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.common import Label


class FieldPublic(BaseModel):
    name: str
    type: str
    required: bool
    label: Label | None
    values: list[str] | None = None
    default: Any = None
    min: float | None = Field(default=None, description="number fields: the smallest value accepted")
    max: float | None = Field(default=None, description="number fields: the largest value accepted")
    max_length: int | None = Field(default=None, description="text fields: the most characters accepted")
    max_items: int | None = Field(default=None, description="list fields: the most entries accepted")


class StepPublic(BaseModel):
    id: str
    kind: str
    title: Label | None


class DefinitionSummary(BaseModel):
    id: str
    version: int
    title: Label
    serial_prefix: str
    fields: list[FieldPublic]
    may_start: bool


class DefinitionPublic(DefinitionSummary):
    start: str
    steps: list[StepPublic]
    diagram: str | None = Field(description="Mermaid flowchart text")


class DefinitionSource(BaseModel):
    yaml: str = Field(max_length=256 * 1024, description="the definition's YAML, 256 KB at most")


class ValidationPublic(BaseModel):
    ok: bool
    problems: list[str]
    definition: str | None = None
    version: int | None = None
