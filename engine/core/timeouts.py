"""Timeout actions of chase rules (notify, reassign to a role, return to sender), as effects."""
from __future__ import annotations

from typing import Any

from engine.core.machine import Ctx, enter
from engine.core.model import Effect, Event, ItemSnap, NewTask, Notify, TaskSnap, UpdateTask
from engine.core.org import Holder, resolve
from engine.core.states import TaskState


def timeout_effects(item: ItemSnap, task: TaskSnap, payload: dict[str, Any], ctx: Ctx) -> list[Effect]:
    action, to_expr = payload["action"], payload.get("to")
    to = resolve(to_expr, org=ctx.org, subject=item.subject, assignment=item.assignment,
                 initiator=item.initiator) if to_expr else []
    holder = ctx.org.holder_name(task.holder)
    if action == "notify":
        return [Event("timeout", f"超时未办结（{holder}），已通知{ctx.org.holder_name(to[0]) if to else '发起人'}",
                      f"timed out ({ctx.org.holder_name(task.holder, 'en')}); notice sent", task_id=task.id),
                Notify(to or [Holder(person=item.initiator)], "timeout",
                       {"action": "notified", "action_zh": "通知相关负责人"}, task_id=task.id)]
    if action == "reassign":
        if not to:
            raise ValueError("a reassign timeout needs `to`")
        return [UpdateTask(task.id, {"state": TaskState.transferred, "closed_at": ctx.now}),
                NewTask(step=task.step, part=task.part, holder=to[0], due_at=task.due_at, round=task.round,
                        from_task=task.id, card=task.card, chase_count=task.chase_count,
                        state=TaskState.active, ref="reassigned"),
                Event("timeout", f"超时未办结，改由{ctx.org.holder_name(to[0])}办理",
                      f"timed out; reassigned to {ctx.org.holder_name(to[0], 'en')}", task_id=task.id),
                Notify([to[0], task.holder], "timeout", {"action": "reassigned", "action_zh": "改派办理"},
                       task_id=task.id)]
    if action == "return":
        step = item.definition.steps[task.step]
        effects: list[Effect] = [UpdateTask(t.id, {"state": TaskState.returned if t.id == task.id else TaskState.skipped,
                                                   "closed_at": ctx.now}) for t in item.open_tasks(task.step)]
        effects.append(Event("timeout", "超时未办结，退回发起环节", "timed out; returned to the sender", task_id=task.id))
        target = step.return_to or item.definition.start
        return effects + enter(item, target, ctx, sender=None)
    raise ValueError(f"unknown timeout action {action!r}")
