"""Handlers of circulation (传阅): a leader or the office director circulates an item for reading (阅件), a reader
marks it read (已阅), adds a reading note (阅批) and passes it on (转阅) when allowed, and the circulation is recalled
(收回传阅). Reading tasks never count as overdue work (engine.core.states.OVERDUE_KINDS)."""
from __future__ import annotations

from engine.core.actions.common import close, event, targets
from engine.core.codec import to_json
from engine.core.machine import circulate, circulation_done, enter, next_reader, when_of
from engine.core.model import Effect, Entry, UpdateTask
from engine.core.states import InputError, OPEN_TASK_STATES, TaskKind, TaskState


def do_circulate(item, task, actor, data, ctx):
    readers = targets(data["to"], ctx, "to")
    due = when_of(data.get("due"), ctx.cal)
    if due is not None and due <= ctx.now:
        raise InputError("due", "阅读时限应晚于现在", "the read-by date must be later than now")
    order = data.get("order") or "parallel"
    cid = f"{task.id}@{int(ctx.now.timestamp())}"
    names_zh = "、".join(ctx.org.holder_name(h) for h in readers)
    names_en = ", ".join(ctx.org.holder_name(h, "en") for h in readers)
    way = ("依次" if order == "sequential" else "", "in order " if order == "sequential" else "")
    note = data.get("note") or ""
    step = item.definition.steps.get(task.step)
    ends = bool(getattr(step, "circulated", None)) and ctx.org.holds(actor.login, task.holder) and \
        task.kind == TaskKind.work
    closing = [close(task, TaskState.done, ctx, outcome="circulate", data={**task.data, "circulation": cid})] \
        if ends else []  # 阅件 instead of work: the step's task is done by circulating it
    return closing + [event("circulate", task, actor, ctx, f"{way[0]}传阅给 {names_zh}" + (f"：{note}" if note else ""),
                  f"circulated it {way[1]}to {names_en}" + (f": {note}" if note else ""),
                  circulation=cid, to=[h.as_dict() for h in readers], order=order, due=to_json(data.get("due")))] + \
        circulate(item, task.step, readers, due, ctx, cid=cid, order=order, note=note, by=actor.login,
                  allow_pass_on=bool(data.get("allow_pass_on")), rnd=task.round, from_task=task.id)


def read_effects(item, task, actor, ctx) -> list[Effect]:
    """已阅: the reading task closes with the time read; the next reader, or the step, follows."""
    if task.state not in OPEN_TASK_STATES:
        return []
    return [close(task, TaskState.done, ctx, outcome="read", data={**task.data, "read_at": ctx.now.isoformat()}),
            event("mark_read", task, actor, ctx, "已阅", "has read it", circulation=task.data.get("circulation"))] + \
        next_reader(item, task, ctx, sender=actor.login)


def do_read(item, task, actor, data, ctx):
    return read_effects(item, task, actor, ctx)


def do_read_note(item, task, actor, data, ctx):
    effects = read_effects(item, task, actor, ctx)
    notes = [*(task.data.get("notes") or []), {"text": data["text"], "at": ctx.now.isoformat(), "by": actor.login}]
    if effects:  # the note rides on the closing write (one version step)
        effects[0].changes["data"] = {**effects[0].changes["data"], "notes": notes}
    else:
        effects.append(UpdateTask(task.id, {"data": {**task.data, "notes": notes}}))
    return [*effects, Entry("reading_note", data["text"], task_id=task.id),
            event("read_note", task, actor, ctx, f"阅批：{data['text']}", f"reading note: {data['text']}")]


def do_pass_on(item, task, actor, data, ctx):
    if not task.data.get("allow_pass_on"):
        raise InputError("to", "此次传阅不允许转阅", "this circulation may not be passed on")
    already = {t.holder for t in item.tasks if t.kind == TaskKind.reading and
               t.data.get("circulation") == task.data.get("circulation") and t.state != TaskState.cancelled}
    readers = [h for h in targets(data["to"], ctx, "to") if h not in already]
    if not readers:
        raise InputError("to", "所选对象已在传阅名单中", "everyone named already has it to read")
    effects = read_effects(item, task, actor, ctx)
    base = {k: task.data.get(k) for k in ("circulation", "note", "by", "allow_pass_on")}
    return effects + [event("pass_on", task, actor, ctx,
                            "转阅给 " + "、".join(ctx.org.holder_name(h) for h in readers),
                            "passed it on to " + ", ".join(ctx.org.holder_name(h, "en") for h in readers),
                            to=[h.as_dict() for h in readers])] + \
        circulate(item, task.step, readers, task.due_at, ctx, cid=base["circulation"], order="parallel",
                  note=base["note"] or "", by=actor.login, allow_pass_on=bool(base["allow_pass_on"]), rnd=task.round,
                  from_task=task.id)


def do_recall_circulation(item, task, actor, data, ctx):
    """收回传阅: every open reading task of the circulation is withdrawn, the sequential queue dropped."""
    cid = task.data.get("circulation")
    open_ = [t for t in item.open_tasks() if t.kind == TaskKind.reading and t.data.get("circulation") == cid]
    reason = data.get("reason") or ""
    effects: list[Effect] = [close(t, TaskState.cancelled, ctx, outcome="recalled",
                                   data={**t.data, "queue": [], "recalled_reason": reason}) for t in open_]
    effects.append(event("recall_circulation", task, actor, ctx,
                         f"收回传阅（{len(open_)} 份未阅）" + (f"：{reason}" if reason else ""),
                         f"recalled the circulation ({len(open_)} unread)" + (f": {reason}" if reason else ""),
                         circulation=cid, withdrawn=[t.id for t in open_]))
    step = item.definition.steps.get(task.step)
    chose = [t for t in item.tasks if t.kind == TaskKind.work and t.data.get("circulation") == cid]
    if getattr(step, "circulated", None) and chose and item.current_step == task.step:
        # the holder had chosen 阅件 at this step: recalled, the step is open to them again
        return effects + enter(item, task.step, ctx, sender=actor.login)
    return effects + circulation_done(item, task, ctx, sender=actor.login)


HANDLERS = {"circulate": do_circulate, "read": do_read, "read_note": do_read_note, "pass_on": do_pass_on,
            "recall_circulation": do_recall_circulation}
