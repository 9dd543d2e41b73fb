"""Search (检索): one page of results, each an item's list line with where it matched."""
from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.items import ItemSummary


class SearchMatch(BaseModel):
    field: str = Field(description="serial, title, a subject field (instruction, sender, doc_number...), an entry's "
                                   "kind (progress, report, opinion, comment, instruction), attachment or "
                                   "attachment_text")
    label: str = Field(description="the field in words, in the caller's language")
    source: str = Field(description="item, entry or attachment")
    snippet: str = Field(description="escaped HTML around the hit, each hit in <mark>")


class SearchResult(ItemSummary):
    matches: list[SearchMatch]


class SearchPage(BaseModel):
    query: str
    results: list[SearchResult]
    total: int = Field(description="how many items the caller may see match (only those are counted)")
    capped: bool = Field(description="a common query: only the newest 500 hits of each kind (serial, title, other "
                                     "texts) were looked at, and `total` counts those; add a word to narrow it")
    page: int
    page_size: int
