"""Timers, pure: which timers a task's chase rules arm (from its due time and `now`), which of several due timers
still apply, and what each fired timer does, as effects (the sweep claims, asks here, and applies)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.core import dsl, rating
from engine.core.machine import Ctx, add_duration, enter, window_elapsed, WINDOW, PURPOSE
from engine.core.model import ArmTimer, Effect, Event, ItemSnap, Notify, TaskSnap, UpdateItem, UpdateTask, NewTask
from engine.core.org import Holder, resolve
from engine.core.states import CARD_RANK, Card, TaskKind, TaskState, overdue_days

KINDS = ("remind", "due", "chase", "escalate", "timeout", "milestone", "report")  # the last two: core.checkpoints
# The messages that tell a holder where their task stands: after a jump of the clock only the newest goes out.
NOTICES = ("remind", "due", "chase")
MAX_GRID = 10_000  # chase occurrences searched for the first one after `now` (a task overdue for decades)


@dataclass(frozen=True)
class TimerSpec:
    kind: str  # remind | due | chase | escalate | timeout
    seq: int
    fire_at: datetime
    payload: dict = field(default_factory=dict)

    def key(self, task_id: int, due_at: datetime) -> str:
        """Unique per timer occurrence: a moved due time gives new keys; the old rows are superseded."""
        return f"{task_id}:{self.kind}:{self.seq}:{int(due_at.timestamp())}"

    def arm(self, task_id: int, due_at: datetime) -> ArmTimer:
        return ArmTimer(task_id, self.kind, self.seq, self.fire_at, due_at, dict(self.payload))


# ---------------------------------------------------------------- schedules

def schedule(rules: dsl.ChaseStep | None, due_at: datetime | None, now: datetime, cal: Any, *,
             chased: int = 0, subject: dict | None = None) -> list[TimerSpec]:
    """The timers to arm for a task now. Occurrences already past belong to earlier holders, except the chase
    chain: a task created past its due time (a transfer, a rework, a reassignment, a return) is chased at the next
    occurrence after `now`, numbered after the `chased` chases its step has had (max_chases counts per step)."""
    if rules is None or due_at is None:
        return []
    out: list[TimerSpec] = []
    if rules.remind_before is not None:
        n = rules.remind_before
        at = cal.working_days_before(due_at, int(n.amount)) if n.unit == "working_days" else \
            due_at - (add_duration(n, due_at, cal) - due_at)
        out.append(TimerSpec("remind", 0, at))
        out += _repeated_reminders(rules, at, due_at, cal)
    if rules.at_due:
        out.append(TimerSpec("due", 0, due_at))
    first = first_chase(rules, due_at, cal, chased + 1, after=now)
    if first is not None:
        out.append(first)
    for i, e in rules.escalations(subject):
        out.append(TimerSpec("escalate", i, add_duration(e.after_overdue, due_at, cal),
                             {"to": e.to, "card": e.card, "after": str(e.after_overdue)}))
    if rules.on_timeout is not None:
        t = rules.on_timeout
        if t.after_unsigned is not None:  # counted from now: the task reaches its holder (or its due time moves)
            out.append(TimerSpec("timeout", 0, add_duration(t.after_unsigned, now, cal),
                                 {"action": t.action, "to": t.to, "unsigned": True}))
        else:
            out.append(TimerSpec("timeout", 0, add_duration(t.after_overdue, due_at, cal),
                                 {"action": t.action, "to": t.to}))
    return [t for t in out if t.fire_at > now]


def _repeated_reminders(rules: dsl.ChaseStep, first: datetime, due_at: datetime, cal: Any) -> list[TimerSpec]:
    """`remind_every`: reminders after the first one, every so often, strictly before the due time (挂牌督办 items
    are reminded daily from 3 working days before due)."""
    if rules.remind_every is None:
        return []
    out, at = [], first
    for seq in range(1, MAX_GRID):
        at = add_duration(rules.remind_every, at, cal)
        if rules.remind_every.unit == "working_days":
            at = cal.open_of(cal.local_date(at))  # at office opening, like the first reminder
        if at >= due_at:
            break
        out.append(TimerSpec("remind", seq, at))
    return out


def first_chase(rules: dsl.ChaseStep, due_at: datetime, cal: Any, seq: int,
                after: datetime | None = None) -> TimerSpec | None:
    """The `seq`-th overdue chase (1-based) at the first occurrence of the chain (every `every_overdue` from the
    due time) later than `after` (default: the first occurrence); None past `max_chases`."""
    if rules.every_overdue is None or seq > rules.max_chases:
        return None
    at = add_duration(rules.every_overdue, due_at, cal)
    for _ in range(MAX_GRID):
        if after is None or at > after:
            break
        at = add_duration(rules.every_overdue, at, cal)
    else:
        at = add_duration(rules.every_overdue, after, cal)  # type: ignore[arg-type]
    return TimerSpec("chase", seq, at, {"n": seq})


def next_chase(rules: dsl.ChaseStep, previous: datetime, seq: int, cal: Any) -> TimerSpec | None:
    """The chase after one that fired at `previous` (the chain re-arms itself one step at a time)."""
    if rules.every_overdue is None or seq > rules.max_chases:
        return None
    return TimerSpec("chase", seq, add_duration(rules.every_overdue, previous, cal), {"n": seq})


def chased_in_step(item: ItemSnap, step: str, carried: int = 0) -> int:
    """How many chases an item's step has had (its tasks' counts; a transferred task carries its own)."""
    return max([carried, *(t.chase_count for t in item.tasks if t.step == step)])


def arm_task(item: ItemSnap, task_id: int, step: str, due_at: datetime | None, ctx: Ctx, *,
             chase_count: int = 0, data: dict | None = None) -> list[ArmTimer]:
    """The timers of a task created (or given a new due time) now: its step's chase rules, or for the window task
    of an `each` step the one timer that closes the window."""
    if due_at is None:
        return []
    if (data or {}).get(PURPOSE) == WINDOW:
        if due_at <= ctx.now:
            return []
        return [TimerSpec("timeout", 0, due_at, {"action": "notify", "to": None, "window": True}).arm(task_id, due_at)]
    if (data or {}).get(PURPOSE) == "rating":  # 办结评价: the one timer that lapses it to 未评价
        if due_at <= ctx.now:
            return []
        return [TimerSpec("timeout", 0, due_at, {"action": "notify", "to": None, "rating": True}).arm(task_id, due_at)]
    if (data or {}).get("circulation"):  # a reading task (阅件): a reminder the working day before, and at its time
        specs = [TimerSpec("remind", 0, ctx.cal.working_days_before(due_at, 1)), TimerSpec("due", 0, due_at)]
        return [s.arm(task_id, due_at) for s in specs if s.fire_at > ctx.now]
    specs = schedule(item.definition.chase_rules_for(step, item.subject), due_at, ctx.now, ctx.cal,
                     chased=chased_in_step(item, step, chase_count), subject=item.subject)
    return [s.arm(task_id, due_at) for s in specs]


def cards_after_move(item: ItemSnap, moved: dict[int, datetime], now: datetime) -> list[Effect]:
    """Cards after due times moved (an approved extension): a task whose due time is now ahead loses its card, and
    the item loses its card once none of its open tasks is overdue any more. Rework, transfers and reassignments move
    no due time, so the card stays through them."""
    effects: list[Effect] = []
    for t in item.tasks:
        if t.id in moved and moved[t.id] > now and t.card != Card.none:
            effects.append(UpdateTask(t.id, {"card": Card.none.value}, bump=False))
    dues = [moved.get(t.id, t.due_at) for t in item.open_tasks() if t.kind == TaskKind.work]
    if item.card != Card.none and any(d > now for d in moved.values()) and all(d is None or d > now for d in dues):
        effects.append(UpdateItem({"card": Card.none.value}, bump=False))
    return effects


# ---------------------------------------------------------------- which due timers still apply

def current(timers: list[Any], tasks: dict[int, TaskSnap], now: datetime) -> tuple[list[Any], list[Any]]:
    """Split due timers (objects with id, task_id, kind, seq, fire_at, payload) into those to fire and the stale ones.
    After a jump of the clock only the newest message per task and kind goes out: of a task's reminder, due notice
    and chase only the latest (no "due in 3 days" beside "overdue 4 days"), of its escalations only the highest;
    a reminder whose due time has passed says nothing true any more. Timeouts always fire, except an
    `after_unsigned` one on a task signed since."""
    newest: dict[tuple, Any] = {}
    for t in timers:
        if t.kind == "timeout":
            continue
        group = _group(t)
        best = newest.get(group)
        if best is None or (t.fire_at, t.seq) > (best.fire_at, best.seq):
            newest[group] = t
    keep, stale = [], []
    for t in timers:
        task = tasks.get(t.task_id)
        fresh = t.kind == "timeout" or newest[_group(t)] is t
        if fresh and t.kind == "remind" and task is not None and task.due_at is not None and now >= task.due_at:
            fresh = False
        if t.kind == "timeout" and (getattr(t, "payload", None) or {}).get("unsigned") and task is not None \
                and task.state != TaskState.pending:
            fresh = False  # signed in time: an `after_unsigned` timeout has nothing left to do
        (keep if fresh else stale).append(t)
    return keep, stale


def _group(t: Any) -> tuple:
    """Timers of which only the newest goes out after a jump: a task's notices, its escalations; per milestone its
    notices and its escalations; per report day its prompt, closing check and chases."""
    if t.kind in ("milestone", "report"):
        p = getattr(t, "payload", None) or {}
        return t.task_id, t.kind, p.get("index", p.get("day")), p.get("phase") == "escalate"
    return t.task_id, "notice" if t.kind in NOTICES else t.kind


# ---------------------------------------------------------------- what a fired timer does

def fire(timer: Any, item: ItemSnap, task: TaskSnap, ctx: Ctx) -> list[Effect]:
    """The effects of one fired timer (an object with id, kind, seq, fire_at, payload) on an open task: the audit
    event, the notice, the chase count and the next chase, the cards; timeouts act through the machine."""
    if timer.kind == "timeout":
        if (timer.payload or {}).get("window") and task.data.get(PURPOSE) == WINDOW:
            return window_elapsed(item, task, ctx)
        if (timer.payload or {}).get("rating") and task.kind == TaskKind.rating:
            return rating.lapse(item, task, ctx.now)
        return timeout_effects(item, task, timer.payload or {}, ctx)
    org, cal, now = ctx.org, ctx.cal, ctx.now
    rules = item.definition.chase_rules_for(task.step, item.subject)
    overdue = overdue_days(task.due_at, now, cal)
    holder_zh, holder_en = org.holder_name(task.holder), org.holder_name(task.holder, "en")
    params: dict[str, Any] = {"due": task.due_at, "overdue": overdue, "holder": holder_zh, "holder_en": holder_en}
    to: list[Holder] = [task.holder]
    effects: list[Effect] = []
    if timer.kind == "remind":
        due = _local(task.due_at, cal)
        zh, en = f"到期提醒（{due} 到期）", f"reminder (due {due})"
    elif timer.kind == "due":
        zh, en = "到期通知", "due-time notice"
    elif timer.kind == "chase":
        effects.append(UpdateTask(task.id, {"chase_count": task.chase_count + 1}, bump=False))
        zh, en = f"系统催办（第 {timer.seq} 次，超期 {overdue} 个工作日）", \
            f"chase #{timer.seq} ({overdue} working days overdue)"
        nxt = next_chase(rules, timer.fire_at, timer.seq + 1, cal) if rules and task.due_at else None
        while nxt is not None and nxt.fire_at <= now:  # after downtime: coalesce missed chases into this one
            nxt = next_chase(rules, nxt.fire_at, nxt.seq + 1, cal)  # type: ignore[arg-type]
        if nxt is not None:
            effects.append(nxt.arm(task.id, task.due_at))  # type: ignore[arg-type]
    elif timer.kind == "escalate":
        card = Card(timer.payload["card"])
        if CARD_RANK[card] > CARD_RANK[task.card]:
            effects.append(UpdateTask(task.id, {"card": card.value}, bump=False))
        if CARD_RANK[card] > CARD_RANK[item.card]:
            effects.append(UpdateItem({"card": card.value}, bump=False))
        params["card"] = card.value
        to = resolve(timer.payload["to"], org=org, subject=item.subject, assignment=item.assignment,
                     initiator=item.initiator) + [task.holder]
        label = "黄牌" if card == Card.yellow else "红牌"
        late_zh, late_en = (f"超期 {overdue} 个工作日", f"{overdue} working days overdue") if overdue else \
            ("到期未办结", "due and not done")  # `after_overdue: 0 working days`: at once
        zh, en = f"{late_zh}，亮{label}，升级至{org.holder_name(to[0])}", \
            f"{late_en}: {card.value} card, escalated to {org.holder_name(to[0], 'en')}"
    else:
        raise ValueError(f"unknown timer kind {timer.kind!r}")
    return effects + [Event(timer.kind, f"{holder_zh}：{zh}", f"{holder_en}: {en}", task_id=task.id,
                            data={"timer": timer.id, "seq": timer.seq}),
                      Notify(to, timer.kind, params, task_id=task.id)]


def timeout_effects(item: ItemSnap, task: TaskSnap, payload: dict[str, Any], ctx: Ctx) -> list[Effect]:
    """A chase rule's timeout action (notify, reassign to a role, return to the sender), as effects; a timeout
    `after_unsigned` does nothing once the task is signed."""
    action, to_expr = payload["action"], payload.get("to")
    if payload.get("unsigned") and task.state != TaskState.pending:
        return []  # signed in time: the timeout has nothing to do
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


def _local(when: datetime | None, cal: Any) -> str:
    return when.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M") if when else "-"
