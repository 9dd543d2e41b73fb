"""Handlers for co-handling, progress, extensions, review, comments, instructions, chases, cancelling, appeals and
calibration."""
from __future__ import annotations

from engine.core import dsl
from engine.core.actions.catalogue import _close, _ev, _js, _lead_holders, _name, _units
from engine.core.machine import APPEAL, PURPOSE, add_duration, due_time, each_advance, enter, follow, when_of
from engine.core.model import Entry, Event, NewTask, Notify, UpdateItem, UpdateTask
from engine.core.org import Holder, resolve
from engine.core.states import ItemState, InputError, NotAllowed, OPEN_TASK_STATES, Part, TaskKind, TaskState


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
        return [_close(task, TaskState.done, ctx, outcome="opinion", data={**task.data, "opinion": data["opinion"]}),
                Entry("opinion", data["opinion"], task_id=task.id),
                _ev("opinion", task, actor, ctx, f"提交会办意见：{data['opinion']}",
                    f"gave a co-handling opinion: {data['opinion']}"),
                Notify(_lead_holders(item, task), "opinion_in", {"unit": task.holder.unit or task.holder.person})]
    ok, done, total, needed = join_status(item, task)
    if not ok:
        raise NotAllowed(f"会办尚未完成：{total} 个协办单位中 {done} 个已反馈，需要 {needed} 个",
                         f"co-handling is not done: {done} of {total} co-handlers answered, {needed} needed",
                         {"done": done, "total": total, "needed": needed})
    effects = [_close(t, TaskState.skipped, ctx) for t in item.open_tasks(task.step) if t.id != task.id]
    late = task.due_at is not None and ctx.now > task.due_at
    effects += [_close(task, TaskState.done, ctx, outcome="complete", data={**task.data, "report": data["report"]}),
                Entry("report", data["report"], task_id=task.id, percent=100),
                UpdateItem({"progress": data["report"], "progress_percent": 100}),
                _ev("complete", task, actor, ctx, f"办结{'（超期）' if late else ''}：{data['report']}",
                    f"completed{' (late)' if late else ''}: {data['report']}", late=late)]
    return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_add_cohandler(item, task, actor, data, ctx):
    unit = _units([data["unit"]], ctx, "unit")[0]
    if task.holder.unit == unit or any(t.holder.unit == unit for t in item.open_tasks(task.step)):
        raise InputError("unit", "该单位已在办理此事项", "that unit already handles this item")
    co = list(dict.fromkeys([*(item.assignment.get("co") or []), unit]))
    item.assignment = dict(item.assignment, co=co)
    new = NewTask(step=task.step, part=Part.co, holder=Holder(unit=unit), due_at=task.due_at, round=task.round,
                  sender=actor.login, state=TaskState.pending, ref="co")
    return [new, UpdateItem({"assignment": item.assignment}),
            _ev("add_cohandler", task, actor, ctx, f"加签协办单位 {ctx.org.holder_name(Holder(unit=unit))}",
                f"added co-handler {unit}", unit=unit),
            Notify([Holder(unit=unit)], "task_new", {"step": "会办", "step_en": "Co-handle", "due_at": task.due_at},
                   task_ref="co")]


def do_remove_cohandler(item, task, actor, data, ctx):
    unit = data["unit"]
    targets = [t for t in item.open_tasks(task.step) if t.part == Part.co and t.holder.unit == unit]
    if not targets:
        raise InputError("unit", "该单位不是尚在办理的协办单位", "that unit is not an open co-handler")
    item.assignment = dict(item.assignment, co=[u for u in item.assignment.get("co") or [] if u != unit])
    return [*[_close(t, TaskState.skipped, ctx) for t in targets], UpdateItem({"assignment": item.assignment}),
            _ev("remove_cohandler", task, actor, ctx, f"减签协办单位 {ctx.org.holder_name(Holder(unit=unit))}",
                f"removed co-handler {unit}", unit=unit),
            Notify([Holder(unit=unit)], "cohandler_removed", {})]


def do_progress(item, task, actor, data, ctx):
    pct = data.get("percent")
    if pct is not None and not 0 <= pct <= 100:
        raise InputError("percent", "应在 0 到 100 之间", "must be between 0 and 100")
    pct = int(pct) if pct is not None else None
    return [Entry("progress", data["text"], task_id=task.id, percent=pct),
            UpdateTask(task.id, {"data": {**task.data, "progress": pct}}),
            UpdateItem({"progress": data["text"], "progress_percent": pct}),
            _ev("progress", task, actor, ctx, f"反馈进展{f'（{pct}%）' if pct is not None else ''}：{data['text']}",
                f"reported progress{f' ({pct}%)' if pct is not None else ''}: {data['text']}", percent=pct)]


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
            _ev("request_extension", task, actor, ctx, f"申请延期至 {data['new_due']}：{data['reason']}",
                f"asked for an extension to {data['new_due']}: {data['reason']}", **_js(data)),
            Notify(approvers[:1], "extension_requested", {"new_due": data["new_due"], "reason": data["reason"]},
                   task_ref="ext")]


def do_approve(item, task, actor, data, ctx):
    comment = data.get("comment") or ""
    if task.kind == TaskKind.extension:
        target = item.task(task.data["target"])
        effects = [_close(task, TaskState.done, ctx, outcome="approved", data={**task.data, "comment": comment})]
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
        effects += [_ev("extension_approved", task, actor, ctx, f"同意延期至 {task.data['new_due']}",
                        f"approved the extension to {task.data['new_due']}", target=target.id, comment=comment),
                    Notify([target.holder], "extension_decided", {"approved": True, "new_due": task.data["new_due"]},
                           task_id=target.id)]
        return effects
    step = item.definition.steps[task.step]
    return [_close(task, TaskState.done, ctx, outcome="approved", data={**task.data, "comment": comment}),
            _ev("approve", task, actor, ctx, f"审核通过{('：' + comment) if comment else ''}",
                f"approved{(': ' + comment) if comment else ''}")] + \
        enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_reject(item, task, actor, data, ctx):
    comment = data["comment"]
    if task.kind == TaskKind.extension:
        target = item.task(task.data["target"])
        return [_close(task, TaskState.done, ctx, outcome="rejected", data={**task.data, "comment": comment}),
                _ev("extension_rejected", task, actor, ctx, f"不同意延期：{comment}",
                    f"refused the extension: {comment}", target=target.id),
                Notify([target.holder], "extension_decided", {"approved": False, "comment": comment},
                       task_id=target.id)]
    step = item.definition.steps[task.step]
    return [_close(task, TaskState.done, ctx, outcome="rejected", data={**task.data, "comment": comment}),
            _ev("reject", task, actor, ctx, f"审核退回至“{item.definition.steps[step.reject_to].title.zh}”：{comment}",
                f"rejected, back to '{item.definition.steps[step.reject_to].title.en}': {comment}",
                to_step=step.reject_to)] + enter(item, step.reject_to, ctx, sender=actor.login)


def do_comment(item, task, actor, data, ctx):
    return [Entry("comment", data["text"], task_id=task.id),
            _ev("comment", task, actor, ctx, f"留言：{data['text']}", f"commented: {data['text']}")]


def involved(item) -> list[Holder]:
    hs = [t.holder for t in item.open_tasks()] + [Holder(person=item.initiator)]
    return list(dict.fromkeys(hs))


def do_instruct(item, task, actor, data, ctx):
    return [Entry("instruction", data["text"], task_id=task.id),
            _ev("instruct", task, actor, ctx, f"批示：{data['text']}", f"instructed: {data['text']}"),
            Notify([h for h in involved(item) if h != Holder(person=actor.login)], "instruction",
                   {"text": data["text"], "leader": _name(actor, ctx)})]


def chase_interval(item, task) -> dsl.Duration:
    rules = item.definition.chase_rules_for(task.step)
    return rules.min_interval if rules else dsl.Duration(amount=1, unit="working_days")


def do_chase(item, task, actor, data, ctx):
    if task.last_chased_at is not None:
        gap = chase_interval(item, task)
        allowed_at = add_duration(gap, task.last_chased_at, ctx.cal)
        if ctx.now < allowed_at:
            at = allowed_at.astimezone(ctx.cal.tz).strftime("%Y-%m-%d %H:%M")
            raise NotAllowed(f"距上次催办不足 {gap.amount:g} 个工作日，{at} 后可再次催办",
                             f"chased less than {gap} ago; you can chase again after {at}",
                             {"next_allowed_at": allowed_at.isoformat()})
    return [UpdateTask(task.id, {"chase_count": task.chase_count + 1, "last_chased_at": ctx.now}),
            _ev("chase", task, actor, ctx, f"催办：{data['message']}", f"chased: {data['message']}",
                message=data["message"], manual=True),
            Notify([task.holder], "chase_manual", {"message": data["message"], "by": _name(actor, ctx),
                                                   "by_en": ctx.org.person_name(actor.login, "en")}, task_id=task.id)]


def do_cancel(item, task, actor, data, ctx):
    holders = [t.holder for t in item.open_tasks()]
    return [*[_close(t, TaskState.cancelled, ctx) for t in item.open_tasks()],
            UpdateItem({"state": ItemState.cancelled, "closed_at": ctx.now}),
            Event("cancel", f"{_name(actor, ctx)}撤销了该事项：{data['reason']}",
                  f"{ctx.org.person_name(actor.login, 'en')} cancelled the item: {data['reason']}", task_id=task.id,
                  data={"reason": data["reason"]}),
            Notify(list(dict.fromkeys(holders)), "item_cancelled", {"reason": data["reason"]})]


# ---------------------------------------------------------------- appeals (申诉) and calibration (校准)

def appeal_reviewer(item, task, actor, ctx) -> str:
    """The first person named by the step's `appeal.reviewers` who is neither the appellant, the person the task
    is about, nor one of its original raters (the entry's `raters`)."""
    rule = item.definition.steps[task.step].appeal
    excluded = {actor.login, task.data.get("ratee"), *(task.data.get("raters") or [])}
    for expr_ in rule.reviewers:
        for h in resolve(expr_, org=ctx.org, subject=item.subject, assignment=item.assignment,
                         initiator=item.initiator):
            for login in ctx.org.logins_of(h):
                if login not in excluded:
                    return login
    raise NotAllowed("找不到可以受理申诉的人员（受理人不能是原评分人）",
                     "nobody may decide this appeal (the reviewer must not be one of the original raters)",
                     {"reviewers": rule.reviewers})


def do_appeal(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    reviewer = appeal_reviewer(item, task, actor, ctx)
    due = due_time(step.appeal.deadline, item, ctx)
    about = task.data.get("ratee") or actor.login
    new = NewTask(step=task.step, part=Part.single, holder=Holder(person=reviewer), due_at=due, round=task.round,
                  from_task=task.id, sender=actor.login, state=TaskState.active, ref="appeal",
                  data={PURPOSE: APPEAL, "ratee": about, "reason": data["reason"], "appeal_of": task.id,
                        "raters": task.data.get("raters") or []})
    return [_close(task, TaskState.done, ctx, outcome="appeal", data={**task.data, "appeal_reason": data["reason"]}),
            new,
            _ev("appeal", task, actor, ctx, "提出申诉", "appealed", reason=data["reason"], reviewer=reviewer),
            Notify([new.holder], "task_new", {"step": f"{step.title.zh}（申诉）", "step_en": f"{step.title.en} (appeal)",
                                              "due_at": due}, task_ref="appeal")]


def _decide_appeal(item, task, actor, ctx, outcome, zh, en, told, **data):
    """The timeline says what was decided, not the scores or reasons (everyone in the item sees it); the
    appellant is told in their own inbox, and the audit event keeps the details."""
    ratee = task.data.get("ratee")
    return [_close(task, TaskState.done, ctx, outcome=outcome, data={**task.data, **_js(data)}),
            _ev(outcome, task, actor, ctx, zh, en, ratee=ratee, **_js(data)),
            Notify([Holder(person=ratee)], "auto_notice", {"message": f"您的申诉已处理：{told}"}, task_id=task.id)] + \
        each_advance(item, task.step, {task.id}, ctx, sender=actor.login)


def do_uphold(item, task, actor, data, ctx):
    return _decide_appeal(item, task, actor, ctx, "upheld", "处理申诉：维持原结果", "decided an appeal: upheld",
                          f"维持原结果。理由：{data['reason']}", reason=data["reason"])


def do_adjust(item, task, actor, data, ctx):
    band = f"，等次 {data['band']}" if data.get("band") else ""
    return _decide_appeal(item, task, actor, ctx, "adjusted", "处理申诉：调整结果", "decided an appeal: adjusted",
                          f"调整为 {data['score']:g} 分{band}。理由：{data['reason']}",
                          score=data["score"], band=data.get("band"), reason=data["reason"])


def do_calibrate(item, task, actor, data, ctx):
    """校准: the step's `calibrate` hook checks and records the change (and its audit event)."""
    if data.get("band") is None and data.get("score") is None:
        raise InputError("band", "请给出调整后的等次或得分", "give the new band or the new score")
    return []
