"""Checkpoint facts, pure: what the traffic light (engine.core.lights, through engine.reads.checkpoints) and
我的待办 read of an item's milestones (节点) and report windows (定期反馈) at `now`; the rules themselves are
engine.core.checkpoints."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Iterable

from engine.core.checkpoints import (milestone_states, milestones_of, report_days_after, reported_since,
                                     window_bounds, window_from, window_of)
from engine.core.model import ItemSnap, TaskSnap
from engine.core.states import Part


def facts(item: ItemSnap, now: datetime, cal: Any, memo: dict | None = None) -> dict:
    """{"milestone": title of the earliest milestone overdue and not done, or None; "report": the date of the
    last report window closed by `now` without a progress report from the open lead (or single holder) of a step
    with a report schedule, and none since, or None}. `memo`: a dict the caller keeps across the items of one
    read (an export's thousands) to work out once what does not depend on the item (a step's rules, the report
    days and windows of a schedule at `now`); the answer is the same with or without it."""
    late = [m for m in milestone_states(item, now, cal) if m["state"] == "missed"]
    late.sort(key=lambda m: m["due"])
    return {"milestone": late[0]["title"] if late else None, "report": _report_missed(item, now, cal, memo)}


def may_miss(definition: Any, assignment: dict, subject: dict, steps: Iterable[str], memo: dict | None = None
             ) -> bool:
    """Whether `facts` can say anything of a running item: it has milestones (engine.core.checkpoints.milestones_of),
    or one of its open tasks' `steps` has a report schedule. False: its facts are {"milestone": None, "report":
    None} whatever `now` (so a reader of many items, the ledger, builds no snapshot for it). `memo` as in `facts`."""
    if milestones_of(SimpleNamespace(assignment=assignment or {}, subject=subject or {})):  # type: ignore[arg-type]
        return True
    memo = {} if memo is None else memo
    for step in steps:
        key = ("reports", id(definition), step)
        if key not in memo:
            rules = _rules_of(definition, step, memo)  # which keeps the definition (its id stays its own)
            memo[key] = rules is not None and rules.report is not None
        if memo[key]:
            return True
    return False


def _report_missed(item: ItemSnap, now: datetime, cal: Any, memo: dict | None = None) -> date | None:
    memo = {} if memo is None else memo
    worst: date | None = None
    for t in item.open_tasks():
        rules = _rules_of(item.definition, t.step, memo)
        if rules is None or rules.report is None or t.part not in (Part.lead, Part.single) or t.kind != "work":
            continue
        closed, bounds = _last_window(rules, now, cal, memo)
        if closed is None or bounds[2] <= t.created_at:
            continue
        start, _, _ = window_from(bounds, t.created_at)
        if not reported_since(t, start) and (worst is None or closed < worst):
            worst = closed
    return worst


def _rules_of(definition: Any, step: str, memo: dict) -> Any:
    key = ("rules", id(definition), step)
    if key not in memo:
        memo[key] = (definition, definition.chase_rules_for(step))  # the definition kept: its id stays its own
    return memo[key][1]


def _last_window(rules: Any, now: datetime, cal: Any, memo: dict) -> tuple[date | None, tuple]:
    """The last report day whose window closed by `now` (None: none), with that window's bounds
    (engine.core.checkpoints.window_bounds)."""
    key = ("window", id(rules), now)
    if key not in memo:
        n, unit, _ = rules.report
        look = cal.local_date(now) - timedelta(days=(7 * n + 10) if unit == "week" else (31 * n + 10))
        closed = [d for d in report_days_after(rules, look, cal, 2 * n + 3) if cal.close_of(d) <= now]
        memo[key] = (rules, closed[-1] if closed else None, window_bounds(rules, closed[-1], cal) if closed else ())
    return memo[key][1], memo[key][2]


def report_due(item: ItemSnap, task: TaskSnap, now: datetime, cal: Any) -> dict | None:
    """What 我的待办 shows a task's holder: {"day", "missed"} when a report is asked of this open lead (or single)
    task now — today's window is open and not yet satisfied (missed False), or the last window closed without a
    report and none since (missed True); else None."""
    rules = item.definition.chase_rules_for(task.step)
    if rules is None or rules.report is None or task.part not in (Part.lead, Part.single) or task.kind != "work":
        return None
    today = cal.local_date(now)
    if cal.is_working_day(today) and today in report_days_after(rules, today - timedelta(days=1), cal):
        start, opening, close = window_of(rules, today, task.created_at, cal)
        if opening <= now < close and close > task.created_at and not reported_since(task, start):
            return {"day": today, "missed": False}
    one = ItemSnap(item.id, item.definition, {}, item.state, {}, item.initiator, item.current_step, [task])
    day = _report_missed(one, now, cal)
    return {"day": day, "missed": True} if day else None
