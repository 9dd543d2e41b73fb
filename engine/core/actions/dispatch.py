"""Actions on a task, by the catalogue: which ones an actor may take now (the contract the API lists), the fields
each takes here, the refusal of one that may not be taken, and taking one through its family's handler."""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from engine.core import checkpoints, dsl, policy, rating
from engine.core import split as split_rules
from engine.core.actions import appeals, circulation, cohandling, decisions, notes, rating as rating_actions, routing
from engine.core.actions import splitting
from engine.core.actions.catalogue import (
    ACTIONS, ATTACHMENT_ORIGINS, ATTACHMENTS, FIELDS, HOLDER_ACTIONS, READER_ACTIONS, F, FieldSpec, label,
)
from engine.core.actions.common import targets
from engine.core.codec import to_json
from engine.core.fields import coerce, is_blank
from engine.core.machine import APPEAL, PURPOSE, WINDOW, Ctx, copies
from engine.core.model import Actor, Call, Effect, Entry, Event, ItemSnap, TaskSnap
from engine.core.states import Conflict, InputError, ItemState, NotAllowed, OPEN_TASK_STATES, Part, TaskKind, TaskState

Handler = Callable[..., list[Effect]]
FAMILY_HANDLERS: dict[str, dict[str, Handler]] = {
    "routing": routing.HANDLERS, "cohandling": cohandling.HANDLERS, "decisions": decisions.HANDLERS,
    "notes": notes.HANDLERS, "appeals": appeals.HANDLERS, "circulation": circulation.HANDLERS,
    "splitting": splitting.HANDLERS,
    "rating": rating_actions.HANDLERS,
}
# 抄送: every action accepts it beside its own fields (people, units or role:NAME given a read-only copy)
CC = F("cc", "targets", False, "抄送", "Copy to")
HANDLERS: dict[str, Handler] = {name: FAMILY_HANDLERS[spec.family][name] for name, spec in ACTIONS.items()}


def fields_for(action: str, item: ItemSnap, task: TaskSnap) -> list[FieldSpec]:
    """The fields `action` takes on `task`: the catalogue's, or the step's form for `submit`."""
    step = item.definition.steps.get(task.step)
    if action == "complete":
        return [F("opinion", "long_text", True, "会办意见", "Co-handling opinion"), ATTACHMENTS] \
            if task.part == Part.co else FIELDS["complete"]
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
    if action == "assign" and isinstance(step, dsl.AssignStep) and step.form:
        return FIELDS["assign"] + [F(k, f.type, f.required, f.label.zh if f.label else k, f.label.en if f.label else k,
                                     tuple(f.values) if f.values else None, f.min, f.max) for k, f in step.form.items()]
    if action == "transfer" and isinstance(step, dsl.TransferStep):
        return [F("lead", "unit_or_person", True, "承办单位", "Handling unit"),
                F("co", "units", False, "协办单位", "Co-handling units")]
    return FIELDS.get(action, [])


def states_for(action: str) -> frozenset[TaskState]:
    """The task states that allow `action`; a step's own outcome is a `submit`."""
    return ACTIONS[action if action in ACTIONS else "submit"].states


def public(action: str, item: ItemSnap, task: TaskSnap) -> dict:
    """An action as the API lists it: {"name", "label": {"zh", "en"}, "fields"}."""
    return {"name": action, "label": {"zh": label(action, "zh"), "en": label(action, "en")},
            "fields": [f.public() for f in fields_for(action, item, task)] + [CC.public()]}


def available(item: ItemSnap, task: TaskSnap, actor: Actor, ctx: Ctx) -> list[str]:
    """The action names `actor` may take on `task` now (the contract the API lists)."""
    if task.kind == TaskKind.reading:
        return reading_actions(item, task, actor, ctx)
    if task.kind == TaskKind.rating:  # 办结评价, on a closed item
        return rating.actions(item, task, actor)
    if task.state not in OPEN_TASK_STATES:
        return ["recall"] if routing.may_recall(item, task, actor) else []
    if item.state != ItemState.running or task.state not in OPEN_TASK_STATES or task.kind == TaskKind.copy:
        return []
    out: list[str] = []
    step = item.definition.steps.get(task.step)
    each = isinstance(step, dsl.TaskStep) and step.each is not None
    purpose = task.data.get(PURPOSE) if each else None
    # tasks of an `each` step are personal (a self-assessment, a rating): nobody acts for their holder
    holds = (task.holder.person == actor.login if task.holder.person else ctx.org.holds(actor.login, task.holder)) \
        if each else ctx.org.holds(actor.login, task.holder) or stands_in_for(task, actor, ctx) is not None
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
            if task.part == Part.lead:
                own += ["add_cohandler", "remove_cohandler"]
                if len(checkpoints.done_of(item)) < len(checkpoints.milestones_of(item)):
                    own.append("milestone_done")
            if split_rules.may_split(item, task, step):
                own.append("split")
            if any(t.kind == TaskKind.extension and t.data.get("target") == task.id for t in item.open_tasks()):
                own = [a for a in own if a != "request_extension"]
            out += own
    if task.kind == TaskKind.work and not holds and actor.roles & policy.CHASE_ROLES and task.due_at is not None:
        out.append("chase")
    if "leader" in actor.roles:
        out.append("instruct")
    if task.kind == TaskKind.work and actor.roles & policy.CIRCULATE_ROLES:
        out.append("circulate")
    if actor.login == item.initiator or "admin" in actor.roles:
        out.append("cancel")
    out.append("comment")
    return [a for a in dict.fromkeys(out) if task.state in states_for(a)]


def reading_actions(item: ItemSnap, task: TaskSnap, actor: Actor, ctx: Ctx) -> list[str]:
    """On a reading task (阅件): its reader reads it, notes it (阅批) and passes it on when allowed, also after
    having read it; a chasing role chases an unread reader with a read-by time; the circulator, or a clerk, the
    office director or a leader, recalls the circulation while someone has not read it."""
    if item.state != ItemState.running or task.state not in (TaskState.active, TaskState.done):
        return []
    out: list[str] = []
    holds = ctx.org.holds(actor.login, task.holder) or stands_in_for(task, actor, ctx) is not None
    if holds:
        out += [a for a in READER_ACTIONS if a != "pass_on" or task.data.get("allow_pass_on")]
    if task.state in OPEN_TASK_STATES:
        if not holds and actor.roles & policy.CHASE_ROLES and task.due_at is not None:
            out.append("chase")
        if actor.login == task.data.get("by") or actor.roles & policy.RECALL_CIRCULATION_ROLES:
            out.append("recall_circulation")
    return [a for a in out if task.state in states_for(a)]


def stands_in_for(task: TaskSnap, actor: Actor, ctx: Ctx) -> str | None:
    """Whom the actor would act for on `task`: None when they hold it themselves (or nobody they stand in for
    does), else the first person they stand in for (代理, engine.core.proxies) who holds it."""
    if ctx.org.holds(actor.login, task.holder):
        return None
    return next((p for p in sorted(actor.acting_for) if ctx.org.holds(p, task.holder)), None)


def refusal(item: ItemSnap, task: TaskSnap, action: str, actor: Actor) -> NotAllowed:
    """Why `actor` may not take `action` on `task` now, in words for the person."""
    outcomes = getattr(item.definition.steps.get(task.step), "outcomes", None) or {}
    if action not in ACTIONS and action not in outcomes:
        return NotAllowed(f"没有“{action}”这个操作", f"there is no action {action!r}", {"action": action})
    if task.kind == TaskKind.rating:
        if task.state == TaskState.pending:
            return NotAllowed("请先签收", "sign for the task first", {"action": action})
        if task.state == TaskState.done:
            return NotAllowed("该事项已评价，不能再次评价", "the item has been rated already", {"action": action})
        if task.state not in OPEN_TASK_STATES:
            return NotAllowed("评价期限已过，记为未评价", "the rating window has closed: not rated", {"action": action})
        return NotAllowed("只有批示领导（或其代理人）可以评价", "only the instructing leader (or their proxy) may rate",
                          {"action": action})
    if item.state != ItemState.running:
        return NotAllowed("该事项已结束", "the item has ended", {"action": action})
    if task.state not in OPEN_TASK_STATES:
        return NotAllowed("该任务已结束", "the task is no longer open", {"action": action})
    if task.state == TaskState.pending and task.state not in states_for(action):
        return NotAllowed("请先签收", "sign for the task first", {"action": action})
    return NotAllowed(f"您现在不能对该任务执行“{label(action, 'zh')}”",
                      f"you may not take the action '{label(action, 'en')}' on this task now", {"action": action})


# Events that are no one's act on a task: a comment or an instruction from anyone (no new version), what the
# machine records as an act's consequence (a step entered, the item ended...), and the sweep's reminders, due
# notices, chases and cards. A race's winner is the last act that is none of these.
QUIET_EVENTS = ("opened", "comment", "instruct", "start", "enter", "end", "auto", "stage", "stage_done", "each_done", "window",
                "window_wait")
QUIET_SYSTEM_EVENTS = ("remind", "due", "chase", "escalate",  # and the timers of milestones and report schedules
                       "milestone_remind", "milestone_due", "milestone_chase", "milestone_escalate",
                       "report_prompt", "report_missed", "report_chase")

SYSTEM_ACTS = {"timeout": ("超时处理", "timeout"), "route": ("转办", "routing")}


def lost_race(task: TaskSnap, last: tuple[str | None, str, datetime] | None, ctx: Ctx) -> Conflict:
    """The refusal for whoever acts on a task someone else has just acted on (closed it, or changed it under an
    open form): a conflict naming the winner, what they did and when — never a bare "not allowed"."""
    who, what, when = last if last is not None else (None, "", None)
    name_zh = ctx.org.person_name(who) if who else "系统"
    name_en = ctx.org.person_name(who, "en") if who else "the system"
    at = when.astimezone(ctx.cal.tz).strftime("%Y-%m-%d %H:%M") if when else "-"
    done = "该任务已结束" if task.state not in OPEN_TASK_STATES else "该任务已被他人处理"
    zh, en = SYSTEM_ACTS.get(what) or (label(what, "zh"), label(what, "en"))
    return Conflict(f"{done}：{name_zh}已于 {at} 执行“{zh}”，请刷新后查看",
                    f"{name_en} took '{en}' on this task at {at} first; reload to see it",
                    {"task": task.id, "winner": who, "winner_name": name_zh, "action": what,
                     "at": when.isoformat() if when else None, "version": task.version})


def check_fields(specs: list[FieldSpec], data: dict) -> dict:
    """The action's values by its fields (the one coercer), or InputError naming the first bad field."""
    out = {}
    for f in specs:
        v = data.get(f.name)
        if is_blank(v):
            if f.required:
                raise InputError(f.name, f"请填写{f.zh}", f"{f.en} is required")
            continue
        out[f.name] = split_rules.parts_value(v, f.name) if f.type == "parts" else \
            coerce(f.type, v, f.name, choices=f.choices, low=f.min, high=f.max)
    return out


def check_attachments(item: ItemSnap, actor: Actor, ids: list[int], ctx: Ctx) -> tuple[int, ...]:
    """The files an action sends with its entry: each must be one the actor uploaded to this item, not removed and
    not already sent with another entry (what the store says: ctx.attachable); InputError naming the field."""
    if not ids:
        return ()
    ok = ctx.attachable(item.id, actor.login, ids) if ctx.attachable is not None else set()
    bad = [i for i in ids if i not in ok]
    if bad:
        raise InputError("attachments", f"附件 {', '.join(map(str, bad))} 不是您上传到本事项且尚未提交的文件",
                         f"file {', '.join(map(str, bad))} is not one you uploaded to this item and have not sent yet")
    return tuple(ids)


def with_attachments(effects: list[Effect], task: TaskSnap, action: str, files: tuple[int, ...], data: dict) -> None:
    """Give the action's entry its files (an action without an entry of its own — an extension request, an
    appeal — records one with its reason), and name them in its audit event so that the timeline links them."""
    origin = "opinion" if action == "complete" and task.part == Part.co else ATTACHMENT_ORIGINS.get(action, "item")
    entry = next((e for e in effects if isinstance(e, Entry)), None)
    if entry is None:
        entry = Entry(origin, str(data.get("reason") or data.get("text") or ""), task_id=task.id)
        effects.insert(0, entry)
    entry.attachments, entry.origin = files, origin
    ev = next((e for e in effects if isinstance(e, Event)), None)
    if ev is not None:
        ev.data = {**ev.data, "attachments": list(files)}


def take(item: ItemSnap, task: TaskSnap, action: str, actor: Actor, data: dict, ctx: Ctx) -> list[Effect]:
    """Effects of `actor` taking `action` on `task` with `data`; raises NotAllowed / InputError."""
    if action not in available(item, task, actor, ctx):
        raise refusal(item, task, action, actor)
    step = item.definition.steps.get(task.step)
    named = action
    if isinstance(step, dsl.TaskStep) and action in step.outcomes:
        data, action = {**data, "outcome": action}, "submit"
    cc = data.get("cc")
    data = check_fields(fields_for(action, item, task), data)
    cc = check_fields([CC], {"cc": cc}).get("cc")  # after the action's own fields: their errors come first
    principal = stands_in_for(task, actor, ctx)
    if principal is not None:  # a proxy acting for the holder: "张三（代李四）", the principal in the event data
        actor = Actor(actor.login, actor.unit, actor.roles, actor.acting_for, on_behalf_of=principal)
    files = check_attachments(item, actor, data.get("attachments") or [], ctx)
    if action == "complete" and task.part != Part.co:  # the parts first, unless the step's split rule says not
        split_rules.completion_guard(step, item.children)
    effects = HANDLERS[action](item, task, actor, data, ctx)
    if files:
        with_attachments(effects, task, action, files, data)
    if principal is not None:
        for e in effects:
            if isinstance(e, Event):
                e.data = {**e.data, "on_behalf_of": principal}
    if cc:
        effects += copies(item, task.step, targets(cc, ctx, "cc"), ctx, by=actor.login)
    hook = (getattr(step, "hooks", None) or {}).get(named)
    if hook:  # right after the action's own audit event, before any step it enters
        at = next((i + 1 for i, e in enumerate(effects) if isinstance(e, Event)), len(effects))
        effects.insert(at, Call(hook, named, task.id, task.step, data=to_json(data), task_data=dict(task.data),
                                actor=actor.login))
    return effects
