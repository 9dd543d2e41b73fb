"""Handlers that move an item or a task: sign for it (签收), submit a step, assign (交办), transfer (转办),
return (退回) and cancel (撤销)."""
from __future__ import annotations

from engine.core import dsl
from engine.core.actions.common import actor_name, actor_name_en, close, event, lead_holders, target, units
from engine.core.assignment import check_assignment
from engine.core.codec import to_json
from engine.core.machine import due_time, each_advance, enter, follow, set_assignment
from engine.core.model import Effect, Event, NewTask, Notify, UpdateItem, UpdateTask
from engine.core.org import Holder
from engine.core.states import InputError, ItemState, NotAllowed, Part, TaskState


def do_accept(item, task, actor, data, ctx):
    return [UpdateTask(task.id, {"state": TaskState.active, "accepted_at": ctx.now}),
            event("accept", task, actor, ctx, "签收", "signed for the task")]


def do_submit(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    if isinstance(step, dsl.TaskStep) and step.each:
        # with a submit hook the values go to the hook (ratings stay private), else onto the task
        kept = task.data if step.hooks.get("submit") else {**task.data, **to_json(data)}
        return [close(task, TaskState.done, ctx, outcome="submit", data=kept),
                event("submit", task, actor, ctx, f"提交“{step.title.zh}”", f"submitted '{step.title.en}'",
                      **to_json(data))] + \
            each_advance(item, task.step, {task.id}, ctx, sender=actor.login)
    transitions = step.outcomes[data["outcome"]].next if data.get("outcome") else step.next
    label = step.outcomes[data["outcome"]].label if data.get("outcome") else None
    zh = f"提交“{step.title.zh}”" + (f"：{label.zh}" if label else "")
    en = f"submitted '{step.title.en}'" + (f": {label.en}" if label else "")
    effects = [close(task, TaskState.done, ctx, outcome=data.get("outcome") or "submit",
                     data={**task.data, **to_json(data)}),
               event("submit", task, actor, ctx, zh, en, **to_json(data))]
    if step.to_assignment:  # e.g. the leader's 批示 kept on the item (the ledger shows it)
        item.assignment = {**item.assignment, **{key: to_json(data.get(name) or "")
                                                 for name, key in step.to_assignment.items()}}
        effects.append(UpdateItem({"assignment": item.assignment}))
    return effects + enter(item, follow(transitions, item, ctx, data, actor), ctx, sender=actor.login)


def do_assign(item, task, actor, data, ctx):
    lead = target(data["lead"], ctx, "lead")
    co = units(data.get("co") or [], ctx, "co")
    check_assignment(lead, co, data["due"], ctx.cal.local_date(ctx.now))
    step = item.definition.steps[task.step]
    effects = [close(task, TaskState.done, ctx, outcome="assign", data={**task.data, "choice": to_json(data)})]
    effects += set_assignment(item, lead=lead, co=[Holder(unit=u) for u in co], due=data["due"])
    kept = {k: to_json(data[k]) for k in getattr(step, "form", {}) if k in data}  # e.g. 拟办意见
    if kept:
        item.assignment = {**item.assignment, **kept}
        effects.append(UpdateItem({"assignment": item.assignment}))
    co_zh = "、".join(ctx.org.holder_name(Holder(unit=u)) for u in co) or "无"
    co_en = ctx.org.unit_names(co, "en") or "none"
    effects.append(event("assign", task, actor, ctx,
                         f"交办：主办 {ctx.org.holder_name(lead)}，协办 {co_zh}，时限 {data['due']}",
                         f"assigned: lead {ctx.org.holder_name(lead, 'en')}, co {co_en}, due {data['due']}",
                         **to_json(data)))
    return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_transfer(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    if isinstance(step, dsl.TransferStep):  # route the item (转办 step)
        lead = target(data["lead"], ctx, "lead")
        co = units(data.get("co") or [], ctx, "co")
        effects = [close(task, TaskState.done, ctx, outcome="transfer")]
        effects += set_assignment(item, lead=lead, co=[Holder(unit=u) for u in co], due=item.assignment.get("due"))
        effects.append(event("route", task, actor, ctx, f"转办至 {ctx.org.holder_name(lead)}",
                             f"dispatched to {ctx.org.holder_name(lead, 'en')}", **to_json(data)))
        return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)
    to = target(data["to"], ctx, "to")
    if to == task.holder or (to.person and to.person == actor.login):
        raise InputError("to", "不能转给当前办理人", "cannot transfer to the current holder")
    due = task.due_at
    if not step.transfer_keeps_deadline and step.transfer_deadline:
        due = due_time(step.transfer_deadline, item, ctx)
    return hand_on(item, task, to, due, ctx, sender=actor.login, reason=data["reason"], ref="transferred") + [
        Event("transfer", f"{actor_name(actor, ctx)}转办给 {ctx.org.holder_name(to)}：{data['reason']}",
              f"{actor_name_en(actor, ctx)} transferred to {ctx.org.holder_name(to, 'en')}: {data['reason']}",
              task_id=task.id, data={"to": to.as_dict(), "reason": data["reason"], "due_kept": due == task.due_at}),
        Notify([to], "task_new", {"step": step.title.zh, "step_en": step.title.en, "due_at": due},
               task_ref="transferred")]


def hand_on(item, task, to: Holder, due, ctx, *, sender: str | None, reason: str, ref: str) -> list[Effect]:
    """A task closed as transferred and the same piece of work opened for `to` (new task named `ref`); the
    item's lead follows when the task was the lead's. What 转办 and a leaver's 批量转办 both write."""
    step = item.definition.steps[task.step]
    sign = getattr(step, "sign", None)
    new = NewTask(step=task.step, part=task.part, holder=to, due_at=due, round=task.round, from_task=task.id,
                  sender=sender, card=task.card, chase_count=task.chase_count, ref=ref, kind=task.kind,
                  data=task.data if task.kind != "work" else {},
                  state=TaskState.pending if (sign if sign is not None else True) else TaskState.active)
    effects: list[Effect] = [close(task, TaskState.transferred, ctx, data={**task.data, "reason": reason}), new]
    if task.part == Part.lead:
        item.assignment = dict(item.assignment, lead=to.as_dict())
        effects.append(UpdateItem({"assignment": item.assignment}))
    return effects


def do_handover(item, task, to: Holder, ctx, *, by: str | None, leaver: str, reason_zh: str, reason_en: str,
                ref: str) -> list[Effect]:
    """批量转办 of one task of a person who leaves or moves: the work goes to `to` with its deadline kept, the
    item's timeline says why, and the new holder is told."""
    step = item.definition.steps[task.step]
    name_zh, name_en = ctx.org.person_name(leaver), ctx.org.person_name(leaver, "en")
    return hand_on(item, task, to, task.due_at, ctx, sender=by, reason=reason_zh, ref=ref) + [
        Event("handover", f"批量转办：{name_zh}{reason_zh}，“{step.title.zh}”转交 {ctx.org.holder_name(to)}",
              f"bulk handover: {name_en} {reason_en}; '{step.title.en}' goes to {ctx.org.holder_name(to, 'en')}",
              task_id=task.id, data={"from": leaver, "to": to.as_dict(), "reason": reason_en}),
        Notify([to], "task_new", {"step": step.title.zh, "step_en": step.title.en, "due_at": task.due_at},
               task_ref=ref)]


def do_return(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    to_step = data.get("to_step")
    if to_step and (to_step not in item.definition.steps or item.definition.steps[to_step].kind in ("chase", "end")):
        raise InputError("to_step", f"没有环节“{to_step}”", f"no step {to_step!r} to return to")
    effects: list[Effect] = [close(task, TaskState.returned, ctx, data={**task.data, "reason": data["reason"]})]
    if task.from_task and not to_step:  # back to whoever transferred it
        prev = item.task(task.from_task)
        effects.append(NewTask(step=task.step, part=task.part, holder=prev.holder, due_at=task.due_at,
                               round=task.round, from_task=task.id, sender=actor.login, card=task.card,
                               chase_count=task.chase_count, state=TaskState.active, ref="back"))
        if task.part == Part.lead:
            item.assignment = dict(item.assignment, lead=prev.holder.as_dict())
            effects.append(UpdateItem({"assignment": item.assignment}))
        back_to = ctx.org.holder_name(prev.holder)
        effects.append(Event("return", f"{actor_name(actor, ctx)}退回给 {back_to}：{data['reason']}",
                             f"{actor_name_en(actor, ctx)} returned it to {ctx.org.holder_name(prev.holder, 'en')}: {data['reason']}",
                             task_id=task.id, data={"reason": data["reason"]}))
        return effects + [Notify([prev.holder], "task_returned", {"reason": data["reason"]}, task_ref="back")]
    if task.part == Part.co and not to_step:  # a co-handler declines: the others go on
        return effects + [event("return", task, actor, ctx, f"退回会办：{data['reason']}",
                                f"declined co-handling: {data['reason']}", reason=data["reason"]),
                          Notify(lead_holders(item, task), "task_returned", {"reason": data["reason"]})]
    target = to_step or step.return_to
    for t in item.open_tasks(task.step):
        if t.id != task.id:
            effects.append(close(t, TaskState.skipped, ctx))
    effects.append(event("return", task, actor, ctx, f"退回至“{item.definition.steps[target].title.zh}”：{data['reason']}",
                         f"returned it to '{item.definition.steps[target].title.en}': {data['reason']}",
                         reason=data["reason"], to_step=target))
    return effects + enter(item, target, ctx, sender=actor.login)


def do_cancel(item, task, actor, data, ctx):
    holders = [t.holder for t in item.open_tasks()]
    return [*[close(t, TaskState.cancelled, ctx) for t in item.open_tasks()],
            UpdateItem({"state": ItemState.cancelled, "closed_at": ctx.now}),
            Event("cancel", f"{actor_name(actor, ctx)}撤销了该事项：{data['reason']}",
                  f"{actor_name_en(actor, ctx)} cancelled the item: {data['reason']}", task_id=task.id,
                  data={"reason": data["reason"]}),
            Notify(list(dict.fromkeys(holders)), "item_cancelled", {"reason": data["reason"]})]


# ---------------------------------------------------------------- 撤回 (recall): the one rule of "downstream acted"

def downstream(item, task) -> list:
    """The tasks the act that closed `task` created (same moment, later ids): the next holders' work or reading;
    copies (抄送) are no one's work and stay."""
    if task.closed_at is None:
        return []
    return [t for t in item.tasks if t.id > task.id and t.created_at == task.closed_at and t.kind != "cc"]


def acted_downstream(item, task) -> list:
    """Downstream tasks someone has already signed for, opened, acted on or closed (any change bumps a task's
    version; opening the item as its holder records `opened_at` on the task)."""
    return [t for t in downstream(item, task)
            if t.version > 1 or t.state not in (TaskState.pending, TaskState.active) or t.data.get("opened_at")]


def may_recall(item, task, actor) -> bool:
    """Offered to whoever closed a work task by their own act, while the item runs."""
    return item.state == ItemState.running and task.kind == "work" and task.closed_by == actor.login and \
        task.state in (TaskState.done, TaskState.transferred)


def do_recall(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    down = downstream(item, task)
    acted = acted_downstream(item, task)
    if acted:
        who = "、".join(dict.fromkeys(ctx.org.person_name(t.closed_by) if t.closed_by else ctx.org.holder_name(t.holder)
                                      for t in acted))
        who_en = ", ".join(dict.fromkeys(ctx.org.person_name(t.closed_by, "en") if t.closed_by
                                         else ctx.org.holder_name(t.holder, "en") for t in acted))
        raise NotAllowed(f"{who}已经签收或处理，不能撤回", f"{who_en} has already taken it up; it cannot be recalled",
                         {"acted": [t.id for t in acted]})
    if not down and item.current_step != task.step:
        raise NotAllowed("事项已进入后续环节，不能撤回", "the item has moved on; it cannot be recalled")
    effects: list[Effect] = [close(t, TaskState.cancelled, ctx, outcome="recalled") for t in down]
    task.state = TaskState.active
    effects.append(UpdateTask(task.id, {"state": TaskState.active, "closed_at": None, "closed_by": None,
                                        "outcome": None}, reopen=True))
    if task.part == Part.lead and any(t.part == Part.lead for t in down):
        item.assignment = dict(item.assignment, lead=task.holder.as_dict())
        effects.append(UpdateItem({"assignment": item.assignment}))
    if item.current_step != task.step:
        item.current_step = task.step
        effects.append(UpdateItem({"current_step": task.step}))
    names_zh = "、".join(ctx.org.holder_name(t.holder) for t in down) or "无"
    names_en = ", ".join(ctx.org.holder_name(t.holder, "en") for t in down) or "none"
    effects.append(event("recall", task, actor, ctx,
                         f"撤回“{step.title.zh}”（收回 {names_zh} 的待办）：{data['reason']}",
                         f"recalled '{step.title.en}' (withdrawn from {names_en}): {data['reason']}",
                         reason=data["reason"], withdrawn=[t.id for t in down]))
    return effects + [Notify([t.holder for t in down], "recalled", {"reason": data["reason"]})] if down else effects


def opened(item, task, actor, ctx) -> list[Effect]:
    """The holder opened the item: recorded on their open task (after this, its sender can no longer recall)."""
    return [UpdateTask(task.id, {"data": {**task.data, "opened_at": ctx.now.isoformat()}}),
            event("opened", task, actor, ctx, "已查看", "opened it")]


HANDLERS = {"recall": do_recall, "accept": do_accept, "submit": do_submit, "assign": do_assign, "transfer": do_transfer,
            "return": do_return, "cancel": do_cancel}
