"""Handlers of decisions: asking for more time (延期申请), and approving or rejecting an extension or a review."""
from __future__ import annotations

from engine.core.actions.common import close, event
from engine.core.codec import to_json
from engine.core.machine import enter, follow, when_of
from engine.core.model import NewTask, Notify, UpdateItem, UpdateTask
from engine.core.org import resolve
from engine.core.states import InputError, NotAllowed, OPEN_TASK_STATES, Part, TaskKind, TaskState


def do_request_extension(item, task, actor, data, ctx):
    if task.due_at is None:
        raise NotAllowed("该任务没有办理时限，无需延期", "the task has no due date to extend")
    new_due = when_of(data["new_due"], ctx.cal)
    if new_due <= task.due_at:
        raise InputError("new_due", f"应晚于现时限 {ctx.cal.local_date(task.due_at)}",
                         f"must be after the current due date {ctx.cal.local_date(task.due_at)}")
    step = item.definition.steps[task.step]
    approvers = resolve(step.extension_approver, org=ctx.org, subject=item.subject,
                        assignment=item.assignment, initiator=item.initiator)
    req = {"target": task.id, "new_due": data["new_due"].isoformat(), "reason": data["reason"],
           "requested_by": actor.login, "old_due": task.due_at.isoformat()}
    return [NewTask(step=task.step, part=Part.single, holder=approvers[0], kind=TaskKind.extension,
                    due_at=ctx.cal.add_working_days(ctx.now, 1), state=TaskState.active, round=task.round,
                    sender=actor.login, data=req, ref="ext"),
            event("request_extension", task, actor, ctx, f"申请延期至 {data['new_due']}：{data['reason']}",
                  f"asked for an extension to {data['new_due']}: {data['reason']}", **to_json(data)),
            Notify(approvers[:1], "extension_requested", {"new_due": data["new_due"], "reason": data["reason"]},
                   task_ref="ext")]


def do_approve(item, task, actor, data, ctx):
    comment = data.get("comment") or ""
    if task.kind == TaskKind.extension:
        target = item.task(task.data["target"])
        effects = [close(task, TaskState.done, ctx, outcome="approved", data={**task.data, "comment": comment})]
        if target.state not in OPEN_TASK_STATES:
            raise NotAllowed("申请延期的任务已结束", "the task asking for more time has ended")
        new_due = when_of(task.data["new_due"], ctx.cal)
        ext = {"approved_at": ctx.now.isoformat(), "old_due": target.due_at.isoformat(), "new_due": new_due.isoformat(),
               "before_due": ctx.now <= target.due_at}
        moved = [target] + ([t for t in item.open_tasks(target.step) if t.part == Part.co and t.due_at == target.due_at]
                            if target.part == Part.lead else [])
        for t in moved:
            effects.append(UpdateTask(t.id, {"due_at": new_due, "data": {**t.data, "extensions": [
                *t.data.get("extensions", []), ext]}}))
        if target.part == Part.lead:
            item.assignment = dict(item.assignment, due=task.data["new_due"])
            effects.append(UpdateItem({"assignment": item.assignment}))
        effects += [event("extension_approved", task, actor, ctx, f"同意延期至 {task.data['new_due']}",
                          f"approved the extension to {task.data['new_due']}", target=target.id, comment=comment),
                    Notify([target.holder], "extension_decided", {"approved": True, "new_due": task.data["new_due"]},
                           task_id=target.id)]
        return effects
    step = item.definition.steps[task.step]
    return [close(task, TaskState.done, ctx, outcome="approved", data={**task.data, "comment": comment}),
            event("approve", task, actor, ctx, f"审核通过{('：' + comment) if comment else ''}",
                  f"approved{(': ' + comment) if comment else ''}")] + \
        enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_reject(item, task, actor, data, ctx):
    comment = data["comment"]
    if task.kind == TaskKind.extension:
        target = item.task(task.data["target"])
        return [close(task, TaskState.done, ctx, outcome="rejected", data={**task.data, "comment": comment}),
                event("extension_rejected", task, actor, ctx, f"不同意延期：{comment}",
                      f"refused the extension: {comment}", target=target.id),
                Notify([target.holder], "extension_decided", {"approved": False, "comment": comment},
                       task_id=target.id)]
    step = item.definition.steps[task.step]
    # the work goes back to be redone: the item's progress is what is reported after this rejection, none yet
    return [close(task, TaskState.done, ctx, outcome="rejected", data={**task.data, "comment": comment}),
            UpdateItem({"progress": None, "progress_percent": None}),
            event("reject", task, actor, ctx, f"审核退回至“{item.definition.steps[step.reject_to].title.zh}”：{comment}",
                  f"rejected, back to '{item.definition.steps[step.reject_to].title.en}': {comment}",
                  to_step=step.reject_to)] + enter(item, step.reject_to, ctx, sender=actor.login)


HANDLERS = {"request_extension": do_request_extension, "approve": do_approve, "reject": do_reject}
