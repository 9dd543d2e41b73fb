"""Plain snapshots the pure core works on (items, tasks, actors) and the effects it returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.dsl import Definition
from engine.org import Holder
from engine.states import Card, ItemState, Part, TaskKind, TaskState


@dataclass
class Actor:
    login: str
    unit: str
    roles: frozenset[str]


@dataclass
class TaskSnap:
    id: int
    step: str
    kind: TaskKind
    part: Part
    holder: Holder
    state: TaskState
    due_at: datetime | None
    created_at: datetime
    version: int = 1
    round: int = 1
    from_task: int | None = None
    sender: str | None = None
    card: Card = Card.none
    chase_count: int = 0
    last_chased_at: datetime | None = None
    data: dict = field(default_factory=dict)


@dataclass
class ItemSnap:
    id: int
    definition: Definition
    subject: dict
    state: ItemState
    assignment: dict
    initiator: str
    current_step: str | None
    tasks: list[TaskSnap]
    version: int = 1
    title: str = ""

    def task(self, task_id: int) -> TaskSnap:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)

    def open_tasks(self, step: str | None = None) -> list[TaskSnap]:
        from engine.states import OPEN_TASK_STATES
        return [t for t in self.tasks if t.state in OPEN_TASK_STATES and (step is None or t.step == step)]


# ---------------------------------------------------------------- effects

@dataclass
class NewTask:
    step: str
    part: Part
    holder: Holder
    due_at: datetime | None
    state: TaskState
    kind: TaskKind = TaskKind.work
    round: int = 1
    from_task: int | None = None
    sender: str | None = None
    card: Card = Card.none
    chase_count: int = 0
    data: dict = field(default_factory=dict)
    ref: str | None = None  # lets later effects of the same action name this task


@dataclass
class UpdateTask:
    task_id: int
    changes: dict[str, Any]


@dataclass
class UpdateItem:
    changes: dict[str, Any]


@dataclass
class Event:
    """An audit event (留痕); `zh`/`en` are the timeline's words."""

    kind: str
    zh: str
    en: str
    task_id: int | None = None
    task_ref: str | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Notify:
    """A notification to the people behind `holders`; `template` names a message template."""

    holders: list[Holder]
    template: str
    params: dict[str, Any]
    task_id: int | None = None
    task_ref: str | None = None


@dataclass
class Entry:
    """A comment, progress report, opinion or instruction attached to the item (and task)."""

    kind: str
    text: str
    task_id: int | None = None
    percent: int | None = None


Effect = NewTask | UpdateTask | UpdateItem | Event | Notify | Entry
