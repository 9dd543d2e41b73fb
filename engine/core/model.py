"""Plain snapshots the pure core works on (items, tasks, actors) and the effects it returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.core.dsl import Definition
from engine.core.org import Holder
from engine.core.states import OPEN_TASK_STATES, Card, ItemState, Part, TaskKind, TaskState


@dataclass
class Actor:
    """Who acts: their login, unit and roles; `acting_for`, the people they stand in for now (代理,
    engine.core.proxies); `on_behalf_of`, set while an action is taken on a task only a principal holds."""

    login: str
    unit: str
    roles: frozenset[str]
    acting_for: frozenset[str] = frozenset()
    on_behalf_of: str | None = None


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
    closed_at: datetime | None = None
    closed_by: str | None = None  # who closed it (None: the system): who may recall the step (撤回)


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
    card: Card = Card.none  # the item's yellow/red card (黄牌/红牌): raised by escalations, kept through rework
    depth: int = 0  # 任务分解: 0 for an item, 1 for a part of one, ... (engine.core.split.MAX_DEPTH)
    children: list | None = None  # its parts (engine.core.split.ChildSnap), when the runtime loaded them

    def task(self, task_id: int) -> TaskSnap:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise KeyError(task_id)

    def open_tasks(self, step: str | None = None) -> list[TaskSnap]:
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
    """Change a task. `bump=False` marks bookkeeping (a timer's chase count or card) that leaves the task's version
    alone, so a form opened before a chase still submits."""

    task_id: int
    changes: dict[str, Any]
    bump: bool = True
    reopen: bool = False  # a closed task open again (撤回): its timers still ahead are pending again


@dataclass
class UpdateItem:
    """Change the item. `bump=False` marks bookkeeping (an escalation's card) that leaves its version alone."""

    changes: dict[str, Any]
    bump: bool = True


@dataclass
class ArmTimer:
    """Arm a timer of a task (a row the sweep claims at `fire_at`); `due_at` is the task's due time it belongs to
    (a moved due time gives new keys)."""

    task_id: int
    kind: str  # remind | due | chase | escalate | timeout
    seq: int
    fire_at: datetime
    due_at: datetime
    payload: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Unique per timer occurrence: a moved due time gives new keys; the old rows are superseded."""
        return f"{self.task_id}:{self.kind}:{self.seq}:{int(self.due_at.timestamp())}"


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
    attachments: tuple[int, ...] = ()  # files the actor uploaded to the item first, sent with this entry
    origin: str | None = None          # what the files came with (catalogue.ATTACHMENT_ORIGINS)


@dataclass
class RunStage:
    """Run a named engine stage (an `auto` step's `compute` with `params: {stage}`); the item waits at `step`
    until the stage is done, then follows the step's `next`."""

    stage: str
    step: str


@dataclass
class Call:
    """Run the engine hook a step names for an action (`hooks:`), in the same transaction, where it stands in the
    effects (right after the action's own audit event); a hook may add effects, or refuse (and then nothing is
    applied)."""

    hook: str
    action: str
    task_id: int | None
    step: str
    data: dict = field(default_factory=dict)  # the action's fields
    task_data: dict = field(default_factory=dict)  # the task's data (an `each` entry: whom it is about)
    actor: str | None = None


@dataclass
class NewChild:
    """任务分解: open a part of the item as a child item of its own (engine.runtime.parts), in the same transaction:
    `no` is its number under the item (督〔2026〕15-1号), `definition`/`start` the step's split rule's."""

    no: int
    title: str
    lead: Holder
    co: list[str]
    due: Any
    instruction: str | None = None
    weight: float | None = None
    definition: str | None = None
    start: str | None = None


Effect = NewChild | NewTask | UpdateTask | UpdateItem | Event | Notify | Entry | RunStage | Call | ArmTimer
