"""Closed enums of task and item states, terminal sets, the one "overdue" rule, and the domain's named
exceptions."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Iterable


class TaskState(StrEnum):
    pending = "pending"          # 待签收: waiting to be signed for
    active = "active"            # 办理中: being handled
    done = "done"                # 已办结
    returned = "returned"        # 已退回
    transferred = "transferred"  # 已转办 (a new task holds it now)
    cancelled = "cancelled"      # 已撤销
    skipped = "skipped"          # 无需办理: co-handling finished without it, or superseded


OPEN_TASK_STATES = frozenset({TaskState.pending, TaskState.active})

TASK_STATE_LABELS = {
    TaskState.pending: ("待签收", "Waiting to be signed for"),
    TaskState.active: ("办理中", "In progress"),
    TaskState.done: ("已办结", "Done"),
    TaskState.returned: ("已退回", "Returned"),
    TaskState.transferred: ("已转办", "Transferred"),
    TaskState.cancelled: ("已撤销", "Cancelled"),
    TaskState.skipped: ("无需办理", "Not needed"),
}


class ItemState(StrEnum):
    running = "running"      # 办理中
    completed = "completed"  # 已办结（销号）
    cancelled = "cancelled"  # 已撤销
    archived = "archived"    # 已归档


ITEM_STATE_LABELS = {
    ItemState.running: ("办理中", "In progress"),
    ItemState.completed: ("已办结", "Completed"),
    ItemState.cancelled: ("已撤销", "Cancelled"),
    ItemState.archived: ("已归档", "Archived"),
}


class TaskKind(StrEnum):
    work = "work"            # a step's task
    extension = "extension"  # 延期审批: decide someone's extension request
    reading = "reading"      # 阅件: a document circulated (传阅) to be read, apart from work to be done
    copy = "cc"              # 抄送: a copy for information; created closed, it only makes the item visible
    rating = "rating"        # 办结评价: the instructing leader rates a closed item (engine.core.rating)


TASK_KIND_LABELS = {
    TaskKind.work: ("办件", "Work"),
    TaskKind.extension: ("延期审批", "Extension request"),
    TaskKind.reading: ("阅件", "For reading"),
    TaskKind.copy: ("抄送", "Copied"),
    TaskKind.rating: ("办结评价", "Rating"),
}


class Part(StrEnum):
    single = "single"  # the one holder of a task/assign/review/transfer step
    lead = "lead"      # 主办
    co = "co"          # 协办/会办


# ---------------------------------------------------------------- overdue (超期), the one rule
# the tasks whose lateness makes an item overdue: work only (not extension requests, not 阅件 nor 抄送)
OVERDUE_KINDS = frozenset({TaskKind.work})


def is_overdue(state: str, due_at: datetime | None, now: datetime) -> bool:
    """A task is overdue when it is still open and its due time has passed."""
    return state in OPEN_TASK_STATES and due_at is not None and now > due_at


def overdue_days(due_at: datetime | None, now: datetime, cal: Any) -> int:
    """Working days past the due time (0 before it, or without one)."""
    return cal.working_days_between(due_at, now) if due_at is not None and now > due_at else 0


def item_overdue(item_state: str, tasks: Iterable[Any], now: datetime) -> bool:
    """An item is overdue when it is running and one of its open work tasks is overdue (tasks: anything with
    `kind`, `state` and `due_at`, a snapshot or a row)."""
    return item_state == ItemState.running and any(
        t.kind in OVERDUE_KINDS and is_overdue(t.state, t.due_at, now) for t in tasks)


# ---------------------------------------------------------------- urgency (紧急/特急), the one rule
URGENCY_FIELDS = ("urgency", "priority")  # a document's 缓急, a directive's 紧急程度
URGENCY_RANK = {"very_urgent": 2, "urgent": 1}  # 特急 before 紧急 before the rest
URGENCY_LABELS = {"very_urgent": ("特急", "Very urgent"), "urgent": ("紧急", "Urgent")}


def urgency_of(subject: dict | None) -> str | None:
    """An item's urgency when it is more than ordinary (`urgent` or `very_urgent`), else None."""
    for f in URGENCY_FIELDS:
        v = (subject or {}).get(f)
        if v in URGENCY_RANK:
            return v
    return None


class Card(StrEnum):
    none = "none"
    yellow = "yellow"  # 黄牌
    red = "red"        # 红牌


CARD_RANK = {Card.none: 0, Card.yellow: 1, Card.red: 2}


class DubanError(Exception):
    """Base of the domain's errors; each carries a code and bilingual words."""

    code = "error"

    def __init__(self, zh: str, en: str, details: dict | None = None):
        super().__init__(en)
        self.zh, self.en, self.details = zh, en, details or {}

    def message(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else f"{self.zh}（{self.en}）"


class InputError(DubanError):
    """Bad input for a named field."""

    code = "invalid_input"

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{field}: {zh}", f"{field}: {en}", {"field": field})
        self.field = field


class NotAllowed(DubanError):
    """The caller may not take this action now (wrong person, or wrong state)."""

    code = "not_allowed"


class NotFound(DubanError):
    code = "not_found"


class Conflict(DubanError):
    """Someone else changed the task or item first; nothing was applied."""

    code = "conflict"


class DefinitionError(DubanError):
    """A definition file has problems; `problems` holds `file:line: message` strings."""

    code = "invalid_definition"

    def __init__(self, problems: list[str]):
        super().__init__("流程定义有误:\n" + "\n".join(problems), "\n".join(problems), {"problems": problems})
        self.problems = problems
