"""Handlers that add to an item's record without moving it: progress (进展反馈), comments, a leader's instruction
(批示) and chasing (催办)."""
from __future__ import annotations

from engine.core import checkpoints, dsl
from engine.core.actions.common import actor_name, actor_name_en, event
from engine.core.machine import add_duration
from engine.core.model import Entry, Notify, UpdateItem, UpdateTask
from engine.core.org import Holder
from engine.core.states import InputError, NotAllowed


def do_progress(item, task, actor, data, ctx):
    pct = data.get("percent")  # 0 to 100: the catalogue's range for the field
    pct = int(pct) if pct is not None else None
    return [Entry("progress", data["text"], task_id=task.id, percent=pct),
            UpdateTask(task.id, {"data": {**task.data, "progress": pct, "reported_at": ctx.now.isoformat()}}),
            UpdateItem({"progress": data["text"], "progress_percent": pct}),
            event("progress", task, actor, ctx, f"反馈进展{f'（{pct}%）' if pct is not None else ''}：{data['text']}",
                  f"reported progress{f' ({pct}%)' if pct is not None else ''}: {data['text']}", percent=pct)]


def do_comment(item, task, actor, data, ctx):
    return [Entry("comment", data["text"], task_id=task.id),
            event("comment", task, actor, ctx, f"留言：{data['text']}", f"commented: {data['text']}")]


def involved(item) -> list[Holder]:
    hs = [t.holder for t in item.open_tasks()] + [Holder(person=item.initiator)]
    return list(dict.fromkeys(hs))


def do_instruct(item, task, actor, data, ctx):
    return [Entry("instruction", data["text"], task_id=task.id),
            event("instruct", task, actor, ctx, f"批示：{data['text']}", f"instructed: {data['text']}"),
            Notify([h for h in involved(item) if h != Holder(person=actor.login)], "instruction",
                   {"text": data["text"], "leader": actor_name(actor, ctx)})]


def chase_interval(item, task) -> dsl.Duration:
    rules = item.definition.chase_rules_for(task.step, item.subject)
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
            event("chase", task, actor, ctx, f"催办：{data['message']}", f"chased: {data['message']}",
                  message=data["message"], manual=True),
            Notify([task.holder], "chase_manual", {"message": data["message"], "by": actor_name(actor, ctx),
                                                   "by_en": actor_name_en(actor, ctx)}, task_id=task.id)]


def do_milestone_done(item, task, actor, data, ctx):
    """节点完成: the lead reports one of the item's milestones done (kept on the assignment; its timers go quiet)."""
    ms, i = checkpoints.milestones_of(item), int(data["index"]) - 1
    if not 0 <= i < len(ms):
        raise InputError("index", f"没有第 {i + 1} 个节点（共 {len(ms)} 个）", f"no milestone {i + 1} (there are {len(ms)})")
    done, title = checkpoints.done_of(item), ms[i]["title"]
    if str(i) in done:
        raise NotAllowed(f"节点“{title}”已报完成", f"milestone '{title}' is already reported done")
    late = ctx.now > checkpoints.milestone_due(ms[i], ctx.cal)
    note = data.get("note") or ""
    done[str(i)] = {"at": ctx.now.isoformat(), "by": actor.login, "note": note, "late": late}
    item.assignment = {**item.assignment, "milestones_done": done}
    when_zh, when_en = ("（逾期完成）", " (late)") if late else ("", "")
    return [Entry("progress", f"节点“{title}”完成{when_zh}{'：' + note if note else ''}", task_id=task.id),
            UpdateItem({"assignment": item.assignment}),
            event("milestone_done", task, actor, ctx, f"报节点完成：{ms[i]['due']} {title}{when_zh}",
                  f"reported milestone done: {ms[i]['due']} {title}{when_en}", index=i + 1, milestone=title,
                  late=late)]


HANDLERS = {"milestone_done": do_milestone_done, "progress": do_progress, "comment": do_comment, "instruct": do_instruct, "chase": do_chase}
