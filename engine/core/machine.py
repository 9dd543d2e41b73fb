"""Pure transitions: entering steps and following transitions, as effects; no I/O, time is an argument."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from engine.core import dsl, expr, rating
from engine.core.model import Actor, Effect, Event, ItemSnap, NewTask, Notify, RunStage, TaskSnap, UpdateItem, UpdateTask
from engine.core.org import Holder, Org, resolve
from engine.core.states import DubanError, ItemState, Part, TaskKind, TaskState

MAX_AUTO_HOPS = 50
# Tasks of an `each` step carry a purpose in their data: none for an entry's own task, WINDOW for the one task
# that holds the step's closing time (`close_after`), APPEAL for an appeal's decision task.
PURPOSE, WINDOW, APPEAL = "purpose", "window", "appeal"


@dataclass
class Ctx:
    """What a transition may consult: the organisation, the working calendar, the time, and the engine's lists
    (`lists(name, item) -> [{"holder": {...}, "data": {...}}]`, provided by the runtime; the core does no I/O)."""

    org: Org
    cal: Any  # engine.calendar.WorkCalendar
    now: datetime
    lists: Any = None
    # `attachable(item_id, login, ids) -> set of ids`: of `ids`, the files `login` uploaded to the item that are not
    # removed and not yet sent with an entry (provided by the runtime from the store)
    attachable: Any = None


def due_time(deadline: dsl.Deadline | None, item: ItemSnap, ctx: Ctx, data: dict | None = None) -> datetime | None:
    """The due time a step's deadline gives a task created now."""
    if deadline is None:
        return None
    if deadline.at is not None:
        return deadline.at
    if deadline.ref is not None:
        root, name = deadline.ref.split(".", 1)
        source = {"subject": item.subject, "assignment": item.assignment, "input": data or {}}[root]
        return when_of(source.get(name), ctx.cal)
    return add_duration(deadline.duration, ctx.now, ctx.cal)


def when_of(value: Any, cal: Any) -> datetime | None:
    """A date means the close of office that day; a date-time is itself."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value
    return cal.due_on_date(value)


def add_duration(d: dsl.Duration, start: datetime, cal: Any) -> datetime:
    if d.unit == "working_days":
        return cal.add_working_days(start, int(d.amount))
    if d.unit == "working_hours":
        return cal.add_working_hours(start, d.amount)
    if d.unit == "days":
        return start + timedelta(days=d.amount)
    return start + timedelta(hours=d.amount)


def names(item: ItemSnap, data: dict | None = None, actor: Actor | None = None) -> dict:
    return {
        "subject": item.subject,
        "assignment": item.assignment,
        "input": data or {},
        "actor": {"login": actor.login, "unit": actor.unit, "roles": sorted(actor.roles)} if actor else {},
    }


def follow(transitions: list[dsl.Transition], item: ItemSnap, ctx: Ctx, data: dict | None = None,
           actor: Actor | None = None) -> str:
    """The first transition whose `when` holds (or has none)."""
    for t in transitions:
        if t.when is None or expr.evaluate(t.when, names(item, data, actor)):
            return t.to
    raise DubanError("没有满足条件的下一环节，请联系管理员检查流程定义",
                     "no transition's condition holds; the definition needs a default transition",
                     {"transitions": [t.to for t in transitions]})


def next_round(item: ItemSnap, step_id: str) -> int:
    return max((t.round for t in item.tasks if t.step == step_id), default=0) + 1


def enter(item: ItemSnap, step_id: str, ctx: Ctx, *, sender: str | None = None, hops: int = 0) -> list[Effect]:
    """Effects of entering a step: tasks for its holders, or an automatic move, or the end."""
    if hops > MAX_AUTO_HOPS:
        raise DubanError("自动环节循环过多", "too many automatic steps in a row (a loop?)")
    step = item.definition.steps[step_id]
    effects: list[Effect] = [UpdateItem({"current_step": step_id})]
    item.current_step = step_id
    rnd = next_round(item, step_id)

    def holders_of(actor_expr: str) -> list[Holder]:
        return resolve(actor_expr, org=ctx.org, subject=item.subject, assignment=item.assignment,
                       initiator=item.initiator)

    def new(part: Part, holder: Holder, due: datetime | None, **kw: Any) -> NewTask:
        sign = step.sign if step.sign is not None else isinstance(step, dsl.CoHandleStep)
        return NewTask(step=step_id, part=part, holder=holder, due_at=due, round=rnd, sender=sender,
                       state=TaskState.pending if sign else TaskState.active, **kw)

    if isinstance(step, dsl.EndStep):
        for t in item.open_tasks():
            effects.append(UpdateTask(t.id, {"state": TaskState.skipped, "closed_at": ctx.now}))
        state = ItemState(step.outcome)
        effects.append(UpdateItem({"state": state, "closed_at": ctx.now}))
        effects.append(Event("end", f"流程结束：{step.title.zh}", f"Finished: {step.title.en}",
                             data={"outcome": step.outcome}))
        effects.append(Notify([Holder(person=item.initiator)], "item_closed", {"outcome": step.outcome}))
        if step.rating is None:
            return effects
        return effects + rating.request(item, step_id, step, ctx.org,  # 办结评价: the leader's rating task
                                        add_duration(step.rating.window, ctx.now, ctx.cal))
    if isinstance(step, dsl.AutoStep) and step.stage:
        effects.append(Event("stage", f"自动环节：{step.title.zh}", f"Automatic stage: {step.title.en}",
                             data={"stage": step.stage}))
        return effects + [RunStage(step.stage, step_id)]  # the runtime runs it, then calls leave_stage
    if isinstance(step, dsl.AutoStep):
        effects += run_auto(item, step, ctx)
        return effects + enter(item, follow(step.next, item, ctx), ctx, hops=hops + 1)
    if isinstance(step, dsl.TaskStep) and step.each:
        return effects + enter_each(item, step_id, step, ctx, sender=sender, rnd=rnd, hops=hops)
    if isinstance(step, dsl.TransferStep) and not step.actor:
        lead, co = route_by_rules(item, step, ctx)
        effects += set_assignment(item, lead=lead, co=co, due=item.assignment.get("due"))
        effects.append(Event("route", f"按规则转办至 {ctx.org.holder_name(lead)}",
                             f"Routed by rule to {ctx.org.holder_name(lead, 'en')}"))
        return effects + enter(item, follow(step.next, item, ctx), ctx, hops=hops + 1)

    due = due_time(step.deadline, item, ctx)
    if isinstance(step, dsl.CirculateStep):
        readers = list(dict.fromkeys(h for expr_ in step.to for h in holders_of(expr_)))
        if not readers:
            raise DubanError(f"环节“{step.title.zh}”没有传阅对象", f"step {step_id!r} names no reader")
        return effects + circulate(item, step_id, readers, due, ctx, cid=f"{step_id}#{rnd}", order=step.order,
                                   note="", by=sender, allow_pass_on=step.allow_pass_on, rnd=rnd) + \
            copies(item, step_id, [h for e in step.cc for h in holders_of(e)], ctx, by=sender)
    if isinstance(step, dsl.CoHandleStep):
        leads = holders_of(step.lead)
        if not leads:
            raise DubanError("尚未确定主办单位", "no lead has been assigned", {"step": step_id})
        effects.append(new(Part.lead, leads[0], due, ref="lead"))
        for h in holders_of(step.co):
            if h != leads[0]:
                effects.append(new(Part.co, h, due))
        names_zh = "、".join(ctx.org.holder_name(e.holder) for e in effects if isinstance(e, NewTask))
        names_en = ", ".join(ctx.org.holder_name(e.holder, "en") for e in effects if isinstance(e, NewTask))
        effects.append(Event("enter", f"进入{step.title.zh}：{names_zh}", f"{step.title.en}: {names_en}"))
    else:
        holders = holders_of(step.actor)
        if not holders:
            raise DubanError(f"环节“{step.title.zh}”找不到办理人", f"step {step_id!r} has no one to hold it")
        data: dict = {}
        if isinstance(step, dsl.AssignStep) and step.prefill:
            data["prefill"] = prefill(item, step.prefill)
        if isinstance(step, dsl.TransferStep):
            lead, co = route_by_rules(item, step, ctx)
            data["prefill"] = {"lead": lead.person or lead.unit, "co": [h.unit or h.person for h in co]}
        effects.append(new(Part.single, holders[0], due, data=data, ref="task"))
        effects.append(Event("enter", f"进入{step.title.zh}：{ctx.org.holder_name(holders[0])}",
                             f"{step.title.en}: {ctx.org.holder_name(holders[0], 'en')}"))
    for e in list(effects):
        if isinstance(e, NewTask):
            effects.append(Notify([e.holder], "task_new", {"step": step.title.zh, "step_en": step.title.en,
                                                           "due_at": e.due_at}, task_ref=e.ref))
    if step.cc:
        effects += copies(item, step_id, [h for e in step.cc for h in holders_of(e)], ctx, by=sender)
    return effects


# ---------------------------------------------------------------- 传阅 (circulation) and 抄送 (copies)

def circulate(item: ItemSnap, step_id: str, readers: list[Holder], due: datetime | None, ctx: Ctx, *, cid: str,
              order: str, note: str, by: str | None, allow_pass_on: bool, rnd: int = 1,
              from_task: int | None = None) -> list[Effect]:
    """Reading tasks (阅件) for `readers` in the circulation `cid`: one each at once (parallel), or the first only,
    the others queued on its data in order (sequential: the next gets theirs when one has read)."""
    first = readers if order == "parallel" else readers[:1]
    base = {"circulation": cid, "order": order, "note": note, "by": by, "allow_pass_on": allow_pass_on}
    effects: list[Effect] = []
    for i, h in enumerate(first):
        data = dict(base, queue=[r.as_dict() for r in readers[1:]]) if order == "sequential" else dict(base)
        effects.append(NewTask(step=step_id, part=Part.single, holder=h, due_at=due, round=rnd, sender=by,
                               state=TaskState.active, kind=TaskKind.reading, from_task=from_task, data=data,
                               ref=f"read{i}"))
        effects.append(Notify([h], "reading", {"note": note, "due_at": due}, task_ref=f"read{i}"))
    return effects


def next_reader(item: ItemSnap, task: TaskSnap, ctx: Ctx, *, sender: str | None) -> list[Effect]:
    """After `task` (a reading task) is read: the next reader of a sequential circulation gets their task; when
    nobody of a circulation step's round is left to read, the step moves on."""
    queue = task.data.get("queue") or []
    if queue:
        nxt = Holder(**queue[0])
        data = dict(task.data, queue=queue[1:])
        for k in ("read_at", "notes"):
            data.pop(k, None)
        return [NewTask(step=task.step, part=Part.single, holder=nxt, due_at=task.due_at, round=task.round,
                        sender=sender, state=TaskState.active, kind=TaskKind.reading, data=data, ref="next_reader"),
                Notify([nxt], "reading", {"note": task.data.get("note") or "", "due_at": task.due_at},
                       task_ref="next_reader"),
                Event("circulate_next", f"依次传阅：转 {ctx.org.holder_name(nxt)} 阅",
                      f"sequential circulation: now with {ctx.org.holder_name(nxt, 'en')}",
                      task_ref="next_reader")]
    return circulation_done(item, task, ctx, sender=sender)


def circulation_done(item: ItemSnap, task: TaskSnap, ctx: Ctx, *, sender: str | None) -> list[Effect]:
    """When the circulation of a circulate step (its current round) has no open reading task left, follow the
    step's `next`; else nothing (a circulation taken as an action on some other step waits for nothing)."""
    step = item.definition.steps.get(task.step)
    cid = task.data.get("circulation")
    if item.current_step != task.step or item.state != ItemState.running:
        return []
    if isinstance(step, dsl.CirculateStep) and cid == f"{task.step}#{task.round}":
        then = follow(step.next, item, ctx)
    elif step is not None and step.circulated and any(
            t.kind == TaskKind.work and t.data.get("circulation") == cid and t.state == TaskState.done
            for t in item.tasks):  # the step's own task was done by circulating it (阅件)
        then = step.circulated
    else:
        return []
    if any(t.kind == TaskKind.reading and t.data.get("circulation") == cid for t in item.open_tasks()):
        return []
    return [Event("circulated", f"{step.title.zh}：传阅完毕，全部已阅", f"{step.title.en}: everyone has read it")] + \
        enter(item, then, ctx, sender=sender)


def copies(item: ItemSnap, step_id: str, holders: list[Holder], ctx: Ctx, *, by: str | None) -> list[Effect]:
    """抄送: a closed copy task per party (it makes the item visible to them, read-only: policy.involved counts
    every task's holder), a notice to each, and the event naming them. Parties already copied are left out."""
    had = {t.holder for t in item.tasks if t.kind == TaskKind.copy}
    new = [h for h in dict.fromkeys(holders) if h not in had]
    if not new:
        return []
    effects: list[Effect] = [NewTask(step=step_id, part=Part.single, holder=h, due_at=None, state=TaskState.done,
                                     kind=TaskKind.copy, sender=by, data={"by": by}, ref=f"cc{i}")
                             for i, h in enumerate(new)]
    effects.append(Event("cc", "抄送：" + "、".join(ctx.org.holder_name(h) for h in new),
                         "copied to " + ", ".join(ctx.org.holder_name(h, "en") for h in new),
                         data={"to": [h.as_dict() for h in new]}))
    effects.append(Notify(new, "cc", {"by": ctx.org.person_name(by) if by else ""}))
    return effects


def enter_each(item: ItemSnap, step_id: str, step: dsl.TaskStep, ctx: Ctx, *, sender: str | None, rnd: int,
               hops: int) -> list[Effect]:
    """One task per entry of the step's engine list, all due at the deadline; with `close_after`, one more task
    for the step's `actor` that holds the closing time (its timer closes the step: see window_elapsed)."""
    if ctx.lists is None:
        raise DubanError(f"环节“{step.title.zh}”需要引擎提供的名单 {step.each}",
                         f"step {step_id!r} needs the engine list {step.each!r}, which this context lacks")
    entries = ctx.lists(step.each, item)
    due = due_time(step.deadline, item, ctx)
    tasks = [NewTask(step=step_id, part=Part.single, holder=Holder(**e["holder"]), due_at=due, round=rnd,
                     sender=sender, state=TaskState.active, data=dict(e.get("data") or {}), ref=f"each{i}")
             for i, e in enumerate(entries)]
    if not tasks:
        return [Event("enter", f"进入{step.title.zh}：名单为空，直接进入下一环节",
                      f"{step.title.en}: nobody on the list, moving on")] + \
            enter(item, follow(step.next, item, ctx), ctx, sender=sender, hops=hops + 1)
    effects: list[Effect] = list(tasks)
    if step.close_after is not None and due is not None:
        holders = resolve(step.actor or "initiator", org=ctx.org, subject=item.subject, assignment=item.assignment,
                          initiator=item.initiator)
        closes = add_duration(step.close_after, due, ctx.cal)
        effects.append(NewTask(step=step_id, part=Part.single, holder=holders[0], due_at=closes, round=rnd,
                               sender=sender, state=TaskState.active, data={PURPOSE: WINDOW}, ref="window"))
    effects.append(Event("enter", f"进入{step.title.zh}：{len(tasks)} 项待办", f"{step.title.en}: {len(tasks)} task(s)",
                         data={"tasks": len(tasks)}))
    for e in list(effects):
        if isinstance(e, NewTask):
            effects.append(Notify([e.holder], "task_new", {"step": step.title.zh, "step_en": step.title.en,
                                                           "due_at": e.due_at}, task_ref=e.ref))
    return effects


def each_open(item: ItemSnap, step_id: str, closing: set[int]) -> list[TaskSnap]:
    """The open tasks of an `each` step that keep it from moving on (entries and appeals, not the window)."""
    return [t for t in item.open_tasks(step_id) if t.id not in closing and t.data.get(PURPOSE) != WINDOW]


def each_advance(item: ItemSnap, step_id: str, closing: set[int], ctx: Ctx, *,
                 sender: str | None = None) -> list[Effect]:
    """After the tasks in `closing` close: if nothing else keeps the `each` step open, close its window task and
    follow `next`; else nothing."""
    if each_open(item, step_id, closing):
        return []
    step = item.definition.steps[step_id]
    effects: list[Effect] = [UpdateTask(t.id, {"state": TaskState.done, "closed_at": ctx.now, "outcome": "complete"})
                             for t in item.open_tasks(step_id) if t.data.get(PURPOSE) == WINDOW]
    effects.append(Event("each_done", f"{step.title.zh}已全部办结", f"{step.title.en}: every task is done"))
    return effects + enter(item, follow(step.next, item, ctx), ctx, sender=sender)


def window_elapsed(item: ItemSnap, window: TaskSnap, ctx: Ctx) -> list[Effect]:
    """The closing time of an `each` step came: its entries still open lapse; the step moves on unless an appeal
    is still open (its decision then moves it on)."""
    step = item.definition.steps[window.step]
    lapsed = [t for t in item.open_tasks(window.step) if t.round == window.round and not t.data.get(PURPOSE)]
    now = ctx.now
    effects: list[Effect] = [UpdateTask(window.id, {"state": TaskState.done, "closed_at": now, "outcome": "elapsed"})]
    effects += [UpdateTask(t.id, {"state": TaskState.skipped, "closed_at": now, "outcome": "lapsed"}) for t in lapsed]
    effects.append(Event("window", f"{step.title.zh}期限届满：{len(lapsed)} 项未办理，自动关闭",
                         f"{step.title.en}: time is up; {len(lapsed)} task(s) not done were closed",
                         task_id=window.id, data={"lapsed": [t.id for t in lapsed]}))
    waiting = each_open(item, window.step, {window.id, *(t.id for t in lapsed)})
    if waiting:
        return effects + [Event("window_wait", f"尚有 {len(waiting)} 项申诉待处理，处理完毕后进入下一环节",
                                f"{len(waiting)} appeal(s) still open; the item moves on once they are decided")]
    return effects + enter(item, follow(step.next, item, ctx), ctx)


def leave_stage(item: ItemSnap, step_id: str, ctx: Ctx) -> list[Effect]:
    """An automatic stage is done: record it and follow the step's `next`."""
    step = item.definition.steps[step_id]
    return [Event("stage_done", f"自动环节完成：{step.title.zh}", f"Automatic stage done: {step.title.en}",
                  data={"stage": step.stage})] + enter(item, follow(step.next, item, ctx), ctx)


def prefill(item: ItemSnap, p: dsl.Prefill) -> dict:
    out: dict = {}
    for key in ("lead", "co", "due", "milestones"):
        ref = getattr(p, key)
        if ref:
            root, name = ref.split(".", 1)
            value = {"subject": item.subject, "assignment": item.assignment}.get(root, {}).get(name)
            if value not in (None, "", []):
                out[key] = value.isoformat() if isinstance(value, date) else value
    return out


def route_by_rules(item: ItemSnap, step: dsl.TransferStep, ctx: Ctx) -> tuple[Holder, list[Holder]]:
    for rule in step.rules:
        if rule.when is None or expr.evaluate(rule.when, names(item)):
            hs = resolve(rule.to, org=ctx.org, subject=item.subject, assignment=item.assignment,
                         initiator=item.initiator)
            co = resolve(rule.co, org=ctx.org, subject=item.subject, assignment=item.assignment,
                         initiator=item.initiator) if rule.co else []
            if hs:
                return hs[0], co
    lead = item.assignment.get("lead")
    if lead:
        return Holder(**lead), [Holder(unit=u) for u in item.assignment.get("co") or []]
    raise DubanError("转办规则没有给出承办单位", "no transfer rule named a handling unit")


def set_assignment(item: ItemSnap, *, lead: Holder, co: list[Holder], due: Any) -> list[Effect]:
    assignment = {"lead": lead.as_dict(), "co": [h.unit or h.person for h in co],
                  "due": due.isoformat() if isinstance(due, date) else due}
    item.assignment = assignment
    return [UpdateItem({"assignment": assignment})]


def run_auto(item: ItemSnap, step: dsl.AutoStep, ctx: Ctx) -> list[Effect]:
    p = step.params
    if step.action == "notify":
        hs = resolve(p.get("to", "initiator"), org=ctx.org, subject=item.subject,
                     assignment=item.assignment, initiator=item.initiator)
        return [Notify(hs, "auto_notice", {"message": p.get("message", step.title.zh)}),
                Event("auto", f"自动通知：{step.title.zh}", f"Automatic notice: {step.title.en}")]
    field = p.get("field")
    if not field:
        raise DubanError("自动环节缺少 field 参数", "auto step needs a `field` parameter")
    value = expr.evaluate(p["expr"], names(item)) if step.action == "compute" else p.get("value")
    item.subject = {**item.subject, field: value}
    return [UpdateItem({"subject": item.subject}),
            Event("auto", f"自动设置 {field} = {value}", f"Set {field} = {value}", data={"field": field})]


def start(item: ItemSnap, ctx: Ctx) -> list[Effect]:
    """Effects of starting an item: the registration event and entering the start step."""
    d = item.definition
    return [Event("start", f"登记{d.title.zh}《{item.title}》", f"Registered {d.title.en} '{item.title}'")] + \
        enter(item, d.start, ctx, sender=item.initiator)
