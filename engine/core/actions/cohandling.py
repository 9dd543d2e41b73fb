"""Handlers of co-handling (会办): the join rule, completing (a co-handler's opinion, the lead's report), adding
and removing co-handling units (加签/减签)."""
from __future__ import annotations

from engine.core.actions.common import close, event, lead_holders, units
from engine.core.machine import enter, follow
from engine.core.model import Entry, NewTask, Notify, UpdateItem
from engine.core.org import Holder
from engine.core.states import InputError, NotAllowed, Part, TaskState, is_overdue


def co_tasks(item, lead):
    """This round's co-handling tasks (transferred ones are followed by their successors)."""
    return [t for t in item.tasks if t.step == lead.step and t.part == Part.co and t.round == lead.round
            and t.state not in (TaskState.transferred, TaskState.returned, TaskState.skipped,
                                TaskState.cancelled)]


def join_status(item, lead) -> tuple[bool, int, int, int]:
    """(satisfied, done, total, needed) for the co-handling join rule of the lead's step."""
    step = item.definition.steps[lead.step]
    cos = co_tasks(item, lead)
    done = sum(1 for t in cos if t.state == TaskState.done)
    total = len(cos)
    if step.join == "all":
        needed = total
    elif step.join == "any":
        needed = min(1, total)
    else:
        needed = min(step.join.quorum, total)
    return done >= needed, done, total, needed


def do_complete(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    if task.part == Part.co:
        return [close(task, TaskState.done, ctx, outcome="opinion", data={**task.data, "opinion": data["opinion"]}),
                Entry("opinion", data["opinion"], task_id=task.id),
                event("opinion", task, actor, ctx, f"提交会办意见：{data['opinion']}",
                      f"gave a co-handling opinion: {data['opinion']}"),
                Notify(lead_holders(item, task), "opinion_in", {"unit": task.holder.unit or task.holder.person})]
    ok, done, total, needed = join_status(item, task)
    if not ok:
        raise NotAllowed(f"会办尚未完成：{total} 个协办单位中 {done} 个已反馈，需要 {needed} 个",
                         f"co-handling is not done: {done} of {total} co-handlers answered, {needed} needed",
                         {"done": done, "total": total, "needed": needed})
    effects = [close(t, TaskState.skipped, ctx) for t in item.open_tasks(task.step) if t.id != task.id]
    late = is_overdue(task.state, task.due_at, ctx.now)  # finished past the due time
    effects += [close(task, TaskState.done, ctx, outcome="complete", data={**task.data, "report": data["report"]}),
                Entry("report", data["report"], task_id=task.id, percent=100),
                UpdateItem({"progress": data["report"], "progress_percent": 100}),
                event("complete", task, actor, ctx, f"办结{'（超期）' if late else ''}：{data['report']}",
                      f"completed{' (late)' if late else ''}: {data['report']}", late=late)]
    return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_add_cohandler(item, task, actor, data, ctx):
    unit = units([data["unit"]], ctx, "unit")[0]
    if task.holder.unit == unit or any(t.holder.unit == unit for t in item.open_tasks(task.step)):
        raise InputError("unit", "该单位已在办理此事项", "that unit already handles this item")
    co = list(dict.fromkeys([*(item.assignment.get("co") or []), unit]))
    item.assignment = dict(item.assignment, co=co)
    new = NewTask(step=task.step, part=Part.co, holder=Holder(unit=unit), due_at=task.due_at, round=task.round,
                  sender=actor.login, state=TaskState.pending, ref="co")
    return [new, UpdateItem({"assignment": item.assignment}),
            event("add_cohandler", task, actor, ctx, f"加签协办单位 {ctx.org.holder_name(Holder(unit=unit))}",
                  f"added co-handler {unit}", unit=unit),
            Notify([Holder(unit=unit)], "task_new", {"step": "会办", "step_en": "Co-handle", "due_at": task.due_at},
                   task_ref="co")]


def do_remove_cohandler(item, task, actor, data, ctx):
    unit = data["unit"]
    targets = [t for t in item.open_tasks(task.step) if t.part == Part.co and t.holder.unit == unit]
    if not targets:
        raise InputError("unit", "该单位不是尚在办理的协办单位", "that unit is not an open co-handler")
    item.assignment = dict(item.assignment, co=[u for u in item.assignment.get("co") or [] if u != unit])
    return [*[close(t, TaskState.skipped, ctx) for t in targets], UpdateItem({"assignment": item.assignment}),
            event("remove_cohandler", task, actor, ctx, f"减签协办单位 {ctx.org.holder_name(Holder(unit=unit))}",
                  f"removed co-handler {unit}", unit=unit),
            Notify([Holder(unit=unit)], "cohandler_removed", {})]


HANDLERS = {"complete": do_complete, "add_cohandler": do_add_cohandler, "remove_cohandler": do_remove_cohandler}
