"""Chase and escalation schedules: which timers a task's chase rules give, computed from its due time and `now`."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.core import dsl
from engine.core.machine import add_duration


@dataclass(frozen=True)
class TimerSpec:
    kind: str  # remind | due | chase | escalate | timeout
    seq: int
    fire_at: datetime
    payload: dict = field(default_factory=dict)

    def key(self, task_id: int, due_at: datetime) -> str:
        """Unique per timer occurrence: a moved due time gives new keys; the old rows are superseded."""
        return f"{task_id}:{self.kind}:{self.seq}:{int(due_at.timestamp())}"


def schedule(rules: dsl.ChaseStep | None, due_at: datetime | None, now: datetime, cal: Any) -> list[TimerSpec]:
    """The timers to create for a task now; occurrences already past belong to earlier holders."""
    if rules is None or due_at is None:
        return []
    out: list[TimerSpec] = []
    if rules.remind_before is not None:
        n = rules.remind_before
        at = cal.working_days_before(due_at, int(n.amount)) if n.unit == "working_days" else \
            due_at - (add_duration(n, due_at, cal) - due_at)
        out.append(TimerSpec("remind", 0, at))
    if rules.at_due:
        out.append(TimerSpec("due", 0, due_at))
    first = first_chase(rules, due_at, cal, 1)
    if first is not None:
        out.append(first)
    for i, e in enumerate(rules.escalate):
        out.append(TimerSpec("escalate", i, add_duration(e.after_overdue, due_at, cal),
                             {"to": e.to, "card": e.card, "after": str(e.after_overdue)}))
    if rules.on_timeout is not None:
        t = rules.on_timeout
        out.append(TimerSpec("timeout", 0, add_duration(t.after_overdue, due_at, cal),
                             {"action": t.action, "to": t.to}))
    return [t for t in out if t.fire_at > now]


def first_chase(rules: dsl.ChaseStep, due_at: datetime, cal: Any, seq: int) -> TimerSpec | None:
    """The `seq`-th overdue chase (1-based), or None past `max_chases`."""
    if rules.every_overdue is None or seq > rules.max_chases:
        return None
    step = rules.every_overdue
    at = due_at
    for _ in range(seq):
        at = add_duration(step, at, cal)
    return TimerSpec("chase", seq, at, {"n": seq})


def next_chase(rules: dsl.ChaseStep, previous: datetime, seq: int, cal: Any) -> TimerSpec | None:
    """The chase after one that fired at `previous` (the chain re-arms itself one step at a time)."""
    if rules.every_overdue is None or seq > rules.max_chases:
        return None
    return TimerSpec("chase", seq, add_duration(rules.every_overdue, previous, cal), {"n": seq})

