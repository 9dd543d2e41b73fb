"""In-task actions: who may take which action now, with the fields it needs, and what each one does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from engine.core import dsl
from engine.core.assignment import check_assignment
from engine.core.machine import APPEAL, PURPOSE, WINDOW, Ctx, each_advance, enter, follow, set_assignment
from engine.core.model import Actor, Call, Effect, Event, ItemSnap, NewTask, Notify, TaskSnap, UpdateItem, UpdateTask
from engine.core.org import Holder
from engine.core import policy
from engine.core.states import (
    OPEN_TASK_STATES, InputError, ItemState, NotAllowed, Part, TaskKind, TaskState,
)

MIN_YEAR, MAX_YEAR = 2000, 2100  # dates outside are typing slips, and beyond the working calendar


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    zh: str
    en: str
    choices: tuple | None = None
    min: float | None = None  # number fields: the accepted range
    max: float | None = None

    def public(self) -> dict:
        out = {"name": self.name, "type": self.type, "required": self.required, "label": {"zh": self.zh, "en": self.en}}
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return out


def F(name: str, type_: str, required: bool, zh: str, en: str, choices: tuple | None = None,
      min: float | None = None, max: float | None = None) -> FieldSpec:
    return FieldSpec(name, type_, required, zh, en, choices, min, max)


REASON = F("reason", "long_text", True, "理由", "Reason")
LABELS = {
    "accept": ("签收", "Sign for it"), "return": ("退回", "Return"), "transfer": ("转办", "Transfer"),
    "add_cohandler": ("加签", "Add co-handler"), "remove_cohandler": ("减签", "Remove co-handler"),
    "progress": ("进展反馈", "Report progress"), "request_extension": ("延期申请", "Request extension"),
    "approve": ("同意", "Approve"), "reject": ("不同意", "Reject"), "comment": ("留言", "Comment"),
    "instruct": ("批示", "Instruct"), "complete": ("办结", "Complete"), "chase": ("催办", "Chase"),
    "cancel": ("撤销", "Cancel"), "assign": ("交办", "Assign"), "submit": ("提交", "Submit"),
    "appeal": ("申诉", "Appeal"), "uphold": ("维持原结果", "Uphold"), "adjust": ("调整结果", "Adjust"),
    "calibrate": ("校准", "Calibrate"),
}
FIELDS: dict[str, list[FieldSpec]] = {
    "accept": [], "return": [REASON, F("to_step", "text", False, "退回至环节", "Return to step")],
    "transfer": [F("to", "unit_or_person", True, "转至单位或人员", "To unit or person"), REASON],
    "add_cohandler": [F("unit", "unit", True, "协办单位", "Co-handling unit")],
    "remove_cohandler": [F("unit", "unit", True, "协办单位", "Co-handling unit")],
    "progress": [F("text", "long_text", True, "进展情况", "Progress"),
                 F("percent", "number", False, "完成百分比", "Percent done")],
    "request_extension": [F("new_due", "date", True, "申请延期至", "New due date"), REASON],
    "approve": [F("comment", "long_text", False, "意见", "Comment")],
    "reject": [F("comment", "long_text", True, "意见", "Comment")],
    "comment": [F("text", "long_text", True, "内容", "Text")],
    "instruct": [F("text", "long_text", True, "批示内容", "Instruction")],
    "chase": [F("message", "long_text", True, "催办内容", "Message")],
    "cancel": [REASON],
    "assign": [F("lead", "unit_or_person", True, "主办单位或人员", "Lead unit or person"),
               F("co", "units", False, "协办单位", "Co-handling units"),
               F("due", "date", True, "办理时限", "Due date")],
    "appeal": [REASON],
    "uphold": [REASON],
    "adjust": [F("score", "number", True, "调整后得分", "New score", min=0, max=100),
               F("band", "text", False, "调整后等次", "New band"), REASON],
    "calibrate": [F("person", "text", True, "被考核人", "Person"), F("band", "text", False, "等次", "Band"),
                  F("score", "number", False, "得分", "Score", min=0, max=100), REASON],
}
HOLDER_ACTIONS = {
    "task": ("submit",), "assign": ("assign",), "transfer": ("transfer",), "review": ("approve", "reject"),
    "co_handle": ("accept", "return", "transfer", "progress", "request_extension", "complete"),
}


def fields_for(action: str, item: ItemSnap, task: TaskSnap) -> list[FieldSpec]:
    step = item.definition.steps.get(task.step)
    if action == "complete":
        return [F("opinion", "long_text", True, "会办意见", "Co-handling opinion")] if task.part == Part.co \
            else [F("report", "long_text", True, "办结报告", "Completion report")]
    if action == "submit" and isinstance(step, dsl.TaskStep):
        out = [F(k, f.type, f.required, f.label.zh if f.label else k, f.label.en if f.label else k,
                 tuple(f.values) if f.values else None, f.min, f.max) for k, f in step.form.items()]
        if step.each:  # an entry may add fields of its own (e.g. one rating per dimension of the person's scheme)
            out = [F(f["name"], f.get("type", "number"), bool(f.get("required", True)),
                     (f.get("label") or {}).get("zh", f["name"]), (f.get("label") or {}).get("en", f["name"]),
                     tuple(f["choices"]) if f.get("choices") else None, f.get("min"), f.get("max"))
                   for f in task.data.get("fields") or []] + out
        if step.outcomes:
            out.insert(0, F("outcome", "enum", True, "办理结果", "Outcome", tuple(step.outcomes)))
        return out
    if action == "transfer" and isinstance(step, dsl.TransferStep):
        return [F("lead", "unit_or_person", True, "承办单位", "Handling unit"),
                F("co", "units", False, "协办单位", "Co-handling units")]
    return FIELDS.get(action, [])


def available(item: ItemSnap, task: TaskSnap, actor: Actor, ctx: Ctx) -> list[str]:
    """The action names `actor` may take on `task` now (the contract the API lists)."""
    if item.state != ItemState.running or task.state not in OPEN_TASK_STATES:
        return []
    out: list[str] = []
    step = item.definition.steps.get(task.step)
    each = isinstance(step, dsl.TaskStep) and step.each is not None
    purpose = task.data.get(PURPOSE) if each else None
    # tasks of an `each` step are personal (a self-assessment, a rating): nobody acts for their holder
    holds = (task.holder.person == actor.login if task.holder.person else ctx.org.holds(actor.login, task.holder)) \
        if each else ctx.org.holds(actor.login, task.holder)
    if holds and each:
        out += {None: ["submit"] + (["appeal"] if step.appeal else []) + [a for a in step.allow or [] if a != "submit"],
                WINDOW: [], APPEAL: ["uphold", "adjust"]}.get(purpose, [])
    elif holds:
        if task.kind == TaskKind.extension:
            out += ["approve", "reject"]
        else:
            own = list(HOLDER_ACTIONS.get(step.kind, ()))
            if isinstance(step, dsl.TaskStep) and step.outcomes:
                own += list(step.outcomes)
            own += [a for a in (step.allow or []) if a not in own]
            if step.return_to or task.from_task:
                own.append("return")
            if task.state == TaskState.pending:
                own = [a for a in own if a in ("accept", "return", "transfer")]
            else:
                own = [a for a in own if a != "accept"]
            if task.part == Part.lead and task.state == TaskState.active:
                own += ["add_cohandler", "remove_cohandler"]
            if any(t.kind == TaskKind.extension and t.data.get("target") == task.id for t in item.open_tasks()):
                own = [a for a in own if a != "request_extension"]
            out += own
    if task.kind == TaskKind.work and not holds and actor.roles & policy.CHASE_ROLES and task.due_at is not None:
        out.append("chase")
    if "leader" in actor.roles:
        out.append("instruct")
    if actor.login == item.initiator or "admin" in actor.roles:
        out.append("cancel")
    out.append("comment")
    return list(dict.fromkeys(out))


def take(item: ItemSnap, task: TaskSnap, action: str, actor: Actor, data: dict, ctx: Ctx) -> list[Effect]:
    """Effects of `actor` taking `action` on `task` with `data`; raises NotAllowed / InputError."""
    allowed = available(item, task, actor, ctx)
    if action not in allowed:
        raise _refusal(item, task, action, actor)
    step = item.definition.steps.get(task.step)
    named = action
    if isinstance(step, dsl.TaskStep) and action in step.outcomes:
        data, action = {**data, "outcome": action}, "submit"
    data = _check_fields(fields_for(action, item, task), data)
    effects = HANDLERS[action](item, task, actor, data, ctx)
    hook = (getattr(step, "hooks", None) or {}).get(named)
    if hook:  # right after the action's own audit event, before any step it enters
        at = next((i + 1 for i, e in enumerate(effects) if isinstance(e, Event)), len(effects))
        effects.insert(at, Call(hook, named, task.id, task.step, data=_js(data), task_data=dict(task.data),
                                actor=actor.login))
    return effects


def _refusal(item: ItemSnap, task: TaskSnap, action: str, actor: Actor) -> NotAllowed:
    zh, en = LABELS.get(action, (action, action))
    if action not in LABELS and action not in getattr(item.definition.steps.get(task.step), "outcomes", {}):
        return NotAllowed(f"没有“{action}”这个操作", f"there is no action {action!r}", {"action": action})
    if item.state != ItemState.running:
        return NotAllowed("该事项已结束", "the item has ended", {"action": action})
    if task.state not in OPEN_TASK_STATES:
        return NotAllowed("该任务已结束", "the task is no longer open", {"action": action})
    if action in ("complete", "progress", "request_extension") and task.state == TaskState.pending:
        return NotAllowed("请先签收", "sign for the task first", {"action": action})
    return NotAllowed(f"您现在不能对该任务执行“{zh}”", f"you may not take the action '{en}' on this task now",
                      {"action": action})


def _check_fields(specs: list[FieldSpec], data: dict) -> dict:
    out = {}
    for f in specs:
        v = data.get(f.name)
        if v is None or (isinstance(v, str) and not v.strip()) or v == []:
            if f.required:
                raise InputError(f.name, f"请填写{f.zh}", f"{f.en} is required")
            continue
        if isinstance(v, str):
            v = v.strip()
        if f.type == "date":
            try:
                v = v if isinstance(v, date) else date.fromisoformat(str(v))
            except ValueError:
                raise InputError(f.name, "日期格式应为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None
            if not MIN_YEAR <= v.year <= MAX_YEAR:
                raise InputError(f.name, f"日期应在 {MIN_YEAR} 至 {MAX_YEAR} 年之间",
                                 f"the date must fall between {MIN_YEAR} and {MAX_YEAR}")
        elif f.type == "number":
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise InputError(f.name, "应为数字", "must be a number") from None
            if v != v or (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
                lo = f"{f.min:g}" if f.min is not None else "-∞"
                hi = f"{f.max:g}" if f.max is not None else "∞"
                raise InputError(f.name, f"应在 {lo} 至 {hi} 之间", f"must be between {lo} and {hi}")
        elif f.type == "units":
            v = [u.strip() for u in v.split(",") if u.strip()] if isinstance(v, str) else v
            if not isinstance(v, list) or not all(isinstance(u, str) for u in v):
                raise InputError(f.name, "应为单位代码列表", "must be a list of unit codes")
        elif f.type in ("enum",) and f.choices and v not in f.choices:
            raise InputError(f.name, f"应为 {'、'.join(f.choices)} 之一", f"must be one of {', '.join(f.choices)}")
        elif f.type in ("text", "long_text", "unit", "unit_or_person") and not isinstance(v, str):
            raise InputError(f.name, "应为文本", "must be text")
        out[f.name] = v
    return out


def _ev(kind: str, task: TaskSnap, actor: Actor, ctx: Ctx, zh: str, en: str, **data: Any) -> Event:
    who = ctx.org.people[actor.login].name_zh if actor.login in ctx.org.people else actor.login
    return Event(kind, f"{who}{zh}", f"{ctx.org.person_name(actor.login, 'en')} {en}", task_id=task.id, data=data)


def _close(task: TaskSnap, state: TaskState, ctx: Ctx, **extra: Any) -> UpdateTask:
    # the snapshot follows, so that a step entered next (an end step closing what is still open) sees it closed
    task.state = state
    return UpdateTask(task.id, {"state": state, "closed_at": ctx.now, **extra})


def _target(value: str, ctx: Ctx, field: str) -> Holder:
    try:
        return ctx.org.target(value)
    except KeyError:
        raise InputError(field, f"没有单位或人员“{value}”", f"no unit or person {value!r}") from None


def _units(values: list[str], ctx: Ctx, field: str) -> list[str]:
    for u in values:
        if u not in ctx.org.units:
            raise InputError(field, f"没有单位“{u}”", f"no unit {u!r}")
    if len(set(values)) != len(values):
        raise InputError(field, "单位重复", "a unit is listed twice")
    return values


def do_accept(item, task, actor, data, ctx):
    return [UpdateTask(task.id, {"state": TaskState.active, "accepted_at": ctx.now}),
            _ev("accept", task, actor, ctx, "签收", "signed for the task")]


def do_submit(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    if isinstance(step, dsl.TaskStep) and step.each:
        # with a submit hook the values go to the hook (ratings stay private), else onto the task
        kept = task.data if step.hooks.get("submit") else {**task.data, **_js(data)}
        return [_close(task, TaskState.done, ctx, outcome="submit", data=kept),
                _ev("submit", task, actor, ctx, f"提交“{step.title.zh}”", f"submitted '{step.title.en}'",
                    **_js(data))] + \
            each_advance(item, task.step, {task.id}, ctx, sender=actor.login)
    transitions = step.outcomes[data["outcome"]].next if data.get("outcome") else step.next
    label = step.outcomes[data["outcome"]].label if data.get("outcome") else None
    zh = f"提交“{step.title.zh}”" + (f"：{label.zh}" if label else "")
    en = f"submitted '{step.title.en}'" + (f": {label.en}" if label else "")
    effects = [_close(task, TaskState.done, ctx, outcome=data.get("outcome") or "submit", data={**task.data, **_js(data)}),
               _ev("submit", task, actor, ctx, zh, en, **_js(data))]
    return effects + enter(item, follow(transitions, item, ctx, data, actor), ctx, sender=actor.login)


def do_assign(item, task, actor, data, ctx):
    lead = _target(data["lead"], ctx, "lead")
    co = _units(data.get("co") or [], ctx, "co")
    check_assignment(lead, co, data["due"], ctx.cal.local_date(ctx.now))
    step = item.definition.steps[task.step]
    effects = [_close(task, TaskState.done, ctx, outcome="assign", data={**task.data, "choice": _js(data)})]
    effects += set_assignment(item, lead=lead, co=[Holder(unit=u) for u in co], due=data["due"])
    co_zh = "、".join(ctx.org.holder_name(Holder(unit=u)) for u in co) or "无"
    effects.append(_ev("assign", task, actor, ctx,
                       f"交办：主办 {ctx.org.holder_name(lead)}，协办 {co_zh}，时限 {data['due']}",
                       f"assigned: lead {ctx.org.holder_name(lead, 'en')}, co {ctx.org.unit_names(co, 'en') or 'none'}, due {data['due']}",
                       **_js(data)))
    return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)


def do_transfer(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    if isinstance(step, dsl.TransferStep):  # route the item (转办 step)
        lead = _target(data["lead"], ctx, "lead")
        co = _units(data.get("co") or [], ctx, "co")
        effects = [_close(task, TaskState.done, ctx, outcome="transfer")]
        effects += set_assignment(item, lead=lead, co=[Holder(unit=u) for u in co], due=item.assignment.get("due"))
        effects.append(_ev("route", task, actor, ctx, f"转办至 {ctx.org.holder_name(lead)}",
                           f"dispatched to {ctx.org.holder_name(lead, 'en')}", **_js(data)))
        return effects + enter(item, follow(step.next, item, ctx, data, actor), ctx, sender=actor.login)
    to = _target(data["to"], ctx, "to")
    if to == task.holder or (to.person and to.person == actor.login):
        raise InputError("to", "不能转给当前办理人", "cannot transfer to the current holder")
    due = task.due_at
    if not step.transfer_keeps_deadline and step.transfer_deadline:
        from engine.core.machine import due_time
        due = due_time(step.transfer_deadline, item, ctx)
    new = NewTask(step=task.step, part=task.part, holder=to, due_at=due, round=task.round, from_task=task.id,
                  sender=actor.login, card=task.card, chase_count=task.chase_count, ref="transferred",
                  state=TaskState.pending if (step.sign if step.sign is not None else True) else TaskState.active)
    if task.part == Part.lead:
        a = dict(item.assignment, lead=to.as_dict())
        item.assignment = a
    return [_close(task, TaskState.transferred, ctx, data={**task.data, "reason": data["reason"]}), new,
            UpdateItem({"assignment": item.assignment}),
            Event("transfer", f"{_name(actor, ctx)}转办给 {ctx.org.holder_name(to)}：{data['reason']}",
                  f"{ctx.org.person_name(actor.login, 'en')} transferred to {ctx.org.holder_name(to, 'en')}: {data['reason']}",
                  task_id=task.id, data={"to": to.as_dict(), "reason": data["reason"], "due_kept": due == task.due_at}),
            Notify([to], "task_new", {"step": step.title.zh, "step_en": step.title.en, "due_at": due},
                   task_ref="transferred")]


def do_return(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    to_step = data.get("to_step")
    if to_step and (to_step not in item.definition.steps or item.definition.steps[to_step].kind in ("chase", "end")):
        raise InputError("to_step", f"没有环节“{to_step}”", f"no step {to_step!r} to return to")
    effects: list[Effect] = [_close(task, TaskState.returned, ctx, data={**task.data, "reason": data["reason"]})]
    if task.from_task and not to_step:  # back to whoever transferred it
        prev = item.task(task.from_task)
        effects.append(NewTask(step=task.step, part=task.part, holder=prev.holder, due_at=task.due_at,
                               round=task.round, from_task=task.id, sender=actor.login, card=task.card,
                               chase_count=task.chase_count, state=TaskState.active, ref="back"))
        if task.part == Part.lead:
            item.assignment = dict(item.assignment, lead=prev.holder.as_dict())
            effects.append(UpdateItem({"assignment": item.assignment}))
        effects.append(Event("return", f"{_name(actor, ctx)}退回给 {ctx.org.holder_name(prev.holder)}：{data['reason']}",
                             f"{ctx.org.person_name(actor.login, 'en')} returned it to {ctx.org.holder_name(prev.holder, 'en')}: {data['reason']}",
                             task_id=task.id, data={"reason": data["reason"]}))
        return effects + [Notify([prev.holder], "task_returned", {"reason": data["reason"]}, task_ref="back")]
    if task.part == Part.co and not to_step:  # a co-handler declines: the others go on
        return effects + [_ev("return", task, actor, ctx, f"退回会办：{data['reason']}",
                              f"declined co-handling: {data['reason']}", reason=data["reason"]),
                          Notify(_lead_holders(item, task), "task_returned", {"reason": data["reason"]})]
    target = to_step or step.return_to
    for t in item.open_tasks(task.step):
        if t.id != task.id:
            effects.append(_close(t, TaskState.skipped, ctx))
    effects.append(_ev("return", task, actor, ctx, f"退回至“{item.definition.steps[target].title.zh}”：{data['reason']}",
                       f"returned it to '{item.definition.steps[target].title.en}': {data['reason']}",
                       reason=data["reason"], to_step=target))
    return effects + enter(item, target, ctx, sender=actor.login)


def _lead_holders(item: ItemSnap, task: TaskSnap) -> list[Holder]:
    return [t.holder for t in item.open_tasks(task.step) if t.part == Part.lead]


def _name(actor: Actor, ctx: Ctx) -> str:
    p = ctx.org.people.get(actor.login)
    return p.name_zh if p else actor.login


def _js(data: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()}


from engine.core.actions.handling import (  # noqa: E402  (the remaining handlers use the helpers above)
    do_add_cohandler, do_adjust, do_appeal, do_approve, do_calibrate, do_cancel, do_chase, do_comment,
    do_complete, do_instruct, do_progress, do_reject, do_remove_cohandler, do_request_extension, do_uphold,
)

HANDLERS: dict[str, Callable[..., list[Effect]]] = {
    "accept": do_accept, "submit": do_submit, "assign": do_assign, "transfer": do_transfer,
    "return": do_return, "add_cohandler": do_add_cohandler, "remove_cohandler": do_remove_cohandler,
    "progress": do_progress, "request_extension": do_request_extension, "approve": do_approve,
    "reject": do_reject, "comment": do_comment, "instruct": do_instruct, "complete": do_complete,
    "chase": do_chase, "cancel": do_cancel, "appeal": do_appeal, "uphold": do_uphold, "adjust": do_adjust,
    "calibrate": do_calibrate,
}
