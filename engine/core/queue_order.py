"""The order of 我的待办's open queue, as pure functions: an item's urgency rank (stored on each of its tasks, the
`urgency` column, by engine.store.items) and the sort key of a task in the queue: overdue first, then the most
urgent, then soonest due (no due date last), then the oldest task. engine.store.open_queue reads the queue in this
order from the (holder, state, urgency, due_at, id) indexes; tests compare the two."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core.states import URGENCY_RANK, is_overdue, urgency_of

RANKS = tuple(sorted(set(URGENCY_RANK.values()) | {0}, reverse=True))  # most urgent first: 2, 1, 0


def urgency_rank(subject: dict | None) -> int:
    """The rank of an item's urgency (URGENCY_RANK: 特急 2, 紧急 1, anything else 0)."""
    u = urgency_of(subject)
    return URGENCY_RANK[u] if u else 0


def queue_key(*, state: Any, due_at: datetime | None, rank: int, task_id: int, now: datetime) -> tuple:
    """Where a task stands in the queue at `now` (smaller first)."""
    late = is_overdue(state, due_at, now)
    return (0 if late else 1, -rank, due_at is None, due_at or now, task_id)
