"""Checkpoints inside a handling step, pure: milestones (节点) and report schedules (定期反馈).

Milestones are the item's `milestones` (the assignment's, given at 交办, else the subject's): each one a dated
checkpoint with the chase rules of the step its lead task sits in (remind_before, at_due, every_overdue up to
max_chases, escalations — notices to the escalation's role, no card: cards are for the task's own due time), until
the lead reports it done (`milestone_done`, kept on the assignment as `milestones_done`).

A chase step's `report_every`/`report_on` gives report days: weekly on a weekday, or monthly on a day of the month
(past a short month's end, its last day). A report day that is not a working day moves to the next working day (as
a due date does). On each report day the lead (or single holder) of an attached step is prompted at the opening of
office; the window of that day runs from the close of office on the report day before (or from when the task
began) to the close of office on the report day; a progress report (进展反馈) in it satisfies it. A window closed
without one is 未按期反馈: an event `report_missed` (counted by the task metrics as `reports_missed`) and a chase
to the holder, chased again every `every_overdue` (at most `max_chases`) until a report comes or the next window
opens.

Timers are the engine's timer rows (kinds `milestone` and `report`), keyed by the task's due time and a sequence
number that names the milestone or the report day, so that a moved due time re-arms them under new keys."""
from __future__ import annotations

import calendar as pycal
from datetime import date, datetime, timedelta
from typing import Any

from engine.core import dsl
from engine.core.machine import Ctx, add_duration
from engine.core.model import ArmTimer, Effect, Event, ItemSnap, Notify, TaskSnap
from engine.core.org import resolve
from engine.core.states import Part
from engine.core.timers import next_chase, schedule

KINDS = ("milestone", "report")
STRIDE, ESCALATE, CHASE = 1000, 10, 100  # milestone seq: index * STRIDE + phase (0 remind, 1 due, 10+ esc, 100+ chase)
MAX_REPORT_CHASES = 90  # report seq: day ordinal * 100 + phase (0 prompt, 1 close, 2.. chases)


# ---------------------------------------------------------------- what the item carries

def milestones_of(item: ItemSnap) -> list[dict]:
    """The item's milestones [{title, due}]: given at 交办 (the assignment's), else at issue (the subject's)."""
    return list(item.assignment.get("milestones") or item.subject.get("milestones") or [])


def done_of(item: ItemSnap) -> dict[str, dict]:
    """Milestones reported done, by index (as text): {at, by, note}."""
    return dict(item.assignment.get("milestones_done") or {})


def milestone_due(m: dict, cal: Any) -> datetime:
    """A milestone's due time: the close of office on its date (a day off moves to the next working day)."""
    return cal.due_on_date(date.fromisoformat(str(m["due"])))


def milestone_states(item: ItemSnap, now: datetime, cal: Any) -> list[dict]:
    """Each milestone with its state at `now`: done (已完成), missed (逾期未完成) or due (未到期)."""
    done = done_of(item)
    out = []
    for i, m in enumerate(milestones_of(item)):
        d = done.get(str(i))
        state = "done" if d else "missed" if milestone_due(m, cal) < now else "due"
        out.append({"index": i, "title": m["title"], "due": m["due"], "state": state, "done": d})
    return out


# ---------------------------------------------------------------- report days

def report_days_after(rules: dsl.ChaseStep, after: date, cal: Any, count: int = 1) -> list[date]:
    """The next `count` report days strictly after `after` (working-day adjusted: a day off moves to the next
    working day)."""
    sched = rules.report
    if sched is None:
        return []
    n, unit, on = sched
    out: list[date] = []
    raw = _first_raw(unit, on, after)
    k = 0
    while len(out) < count and k < 1000:
        day = _step(raw, unit, n * k, on)
        real = day if cal.is_working_day(day) else cal.next_working_day(day)
        if real > after and real not in out:
            out.append(real)
        k += 1
    return out


def _first_raw(unit: str, on: int, after: date) -> date:
    """The scheduled (unadjusted) day on or before `after` that starts the series (the series is anchored there,
    so a day moved past `after` by a holiday still counts)."""
    if unit == "week":
        return after - timedelta(days=(after.weekday() - on) % 7)
    return _month_day(after.year, after.month, on) if _month_day(after.year, after.month, on) <= after else \
        _month_day(*_add_months(after.year, after.month, -1), on)


def _step(first: date, unit: str, k: int, on: int) -> date:
    if unit == "week":
        return first + timedelta(weeks=k)
    y, m = _add_months(first.year, first.month, k)
    return _month_day(y, m, on)


def _add_months(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def _month_day(y: int, m: int, day: int) -> date:
    return date(y, m, min(day, pycal.monthrange(y, m)[1]))


def window_of(rules: dsl.ChaseStep, day: date, began: datetime, cal: Any) -> tuple[datetime, datetime, datetime]:
    """(start, opening, close) of the report window of `day`: from the close of office on the report day before
    (or when the task began, if later) to the close of office on `day`; the prompt goes out at `opening`."""
    return window_from(window_bounds(rules, day, cal), began)


def window_from(bounds: tuple[datetime | None, datetime, datetime], began: datetime
                ) -> tuple[datetime, datetime, datetime]:
    """(start, opening, close) of a report window from its bounds (window_bounds) and when the task began."""
    prev_close, opening, close = bounds
    return (max(began, prev_close) if prev_close is not None else began), opening, close


def window_bounds(rules: dsl.ChaseStep, day: date, cal: Any) -> tuple[datetime | None, datetime, datetime]:
    """(close of office on the report day before `day` or None, opening, close) of the report window of `day`:
    what window_of needs besides when the task began."""
    prev = _previous_day(rules, day, cal)
    return (cal.close_of(prev) if prev else None), cal.open_of(day), cal.close_of(day)


def _previous_day(rules: dsl.ChaseStep, day: date, cal: Any) -> date | None:
    n, unit, _ = rules.report  # type: ignore[misc]
    look = day - timedelta(days=(7 * n + 10) if unit == "week" else (31 * n + 10))
    days = [d for d in report_days_after(rules, look, cal, 2 * n + 3) if d < day]
    return days[-1] if days else None


def reported_since(task: TaskSnap, start: datetime) -> bool:
    """Whether the holder reported progress (进展反馈) at or after `start` (the progress handler keeps the time)."""
    at = task.data.get("reported_at")
    return at is not None and datetime.fromisoformat(at) >= start


# ---------------------------------------------------------------- arming

def arm(item: ItemSnap, task_id: int, step: str, part: Any, due_at: datetime | None, began: datetime,
        ctx: Ctx) -> list[ArmTimer]:
    """The checkpoint timers of a work task created (or given a new due time) now: the milestones not yet done
    (the lead of a co-handling step), and the next report window (the lead or single holder of a step a chase
    step with a report schedule is attached to)."""
    rules = item.definition.chase_rules_for(step)
    if rules is None or part not in (Part.lead, Part.single, "lead", "single"):
        return []
    out: list[ArmTimer] = []
    if part in (Part.lead, "lead"):
        done = done_of(item)
        for i, m in enumerate(milestones_of(item)):
            if str(i) not in done:
                out += _milestone_timers(rules, task_id, i, m, due_at, ctx)
    if rules.report is not None:
        out += _report_timers(rules, task_id, ctx.cal.local_date(ctx.now), began, due_at, ctx)
    return out


def _milestone_timers(rules: dsl.ChaseStep, task_id: int, i: int, m: dict, due_at: datetime | None,
                      ctx: Ctx) -> list[ArmTimer]:
    md = milestone_due(m, ctx.cal)
    key_due = due_at or md
    base = {"index": i, "title": m["title"], "due": md.isoformat()}
    out = []
    for s in schedule(rules.model_copy(update={"on_timeout": None}), md, ctx.now, ctx.cal):
        code = {"remind": 0, "due": 1}.get(s.kind, ESCALATE + s.seq if s.kind == "escalate" else CHASE + s.seq)
        if s.kind == "chase" and s.seq >= STRIDE - CHASE:
            continue
        out.append(ArmTimer(task_id, "milestone", i * STRIDE + code, s.fire_at, key_due,
                            {**base, "phase": s.kind, **s.payload}))
    return out


def _report_timers(rules: dsl.ChaseStep, task_id: int, after: date, began: datetime, due_at: datetime | None,
                   ctx: Ctx) -> list[ArmTimer]:
    """The prompt and the closing check of the next report window after the date `after`."""
    days = report_days_after(rules, after, ctx.cal)
    if not days:
        return []
    day = days[0]
    start, opening, close = window_of(rules, day, began, ctx.cal)
    key_due = due_at or close
    base = {"day": day.isoformat(), "start": start.isoformat(), "close": close.isoformat(),
            "began": began.isoformat()}
    out = [ArmTimer(task_id, "report", day.toordinal() * 100 + 1, close, key_due, {**base, "phase": "close"})]
    if opening > ctx.now:
        out.insert(0, ArmTimer(task_id, "report", day.toordinal() * 100, opening, key_due, {**base, "phase": "prompt"}))
    return out


# ---------------------------------------------------------------- firing

def fire(timer: Any, item: ItemSnap, task: TaskSnap, ctx: Ctx) -> list[Effect]:
    """The effects of a fired checkpoint timer on an open task."""
    p = dict(timer.payload or {})
    return _fire_milestone(timer, p, item, task, ctx) if timer.kind == "milestone" else \
        _fire_report(timer, p, item, task, ctx)


def _local(when: datetime, cal: Any) -> str:
    return when.astimezone(cal.tz).strftime("%Y-%m-%d")


def _fire_milestone(timer: Any, p: dict, item: ItemSnap, task: TaskSnap, ctx: Ctx) -> list[Effect]:
    if str(p["index"]) in done_of(item):
        return []  # reported done: nothing left to say
    org, cal = ctx.org, ctx.cal
    due = datetime.fromisoformat(p["due"])
    title, day = p["title"], _local(due, cal)
    who, who_en = org.holder_name(task.holder), org.holder_name(task.holder, "en")
    overdue = max(0, cal.working_days_between(due, ctx.now)) if ctx.now > due else 0
    to = [task.holder]
    effects: list[Effect] = []
    phase = p["phase"]
    if phase == "remind":
        zh, en = f"节点“{title}”将于 {day} 到期", f"milestone '{title}' is due {day}"
    elif phase == "due":
        zh, en = f"节点“{title}”今日到期（{day}）", f"milestone '{title}' is due today ({day})"
    elif phase == "chase":
        zh, en = f"节点“{title}”逾期未完成（第 {p['n']} 次催办，超期 {overdue} 个工作日）", \
            f"milestone '{title}' missed (chase #{p['n']}, {overdue} working days overdue)"
        rules = item.definition.chase_rules_for(task.step)
        if rules is not None and rules.every_overdue is not None:
            nxt = next_chase(rules, timer.fire_at, int(p["n"]) + 1, cal)
            while nxt is not None and nxt.fire_at <= ctx.now:
                nxt = next_chase(rules, nxt.fire_at, nxt.seq + 1, cal)
            if nxt is not None and nxt.seq < STRIDE - CHASE:
                effects.append(ArmTimer(task.id, "milestone", int(p["index"]) * STRIDE + CHASE + nxt.seq,
                                        nxt.fire_at, task.due_at or due, {**p, "n": nxt.seq}))
    elif phase == "escalate":
        to = resolve(p["to"], org=org, subject={}, assignment={}, initiator=None) + [task.holder]
        zh, en = f"节点“{title}”逾期 {overdue} 个工作日，报{org.holder_name(to[0])}", \
            f"milestone '{title}' {overdue} working days overdue, sent up to {org.holder_name(to[0], 'en')}"
    else:
        raise ValueError(f"unknown milestone phase {phase!r}")
    return effects + [
        Event(f"milestone_{phase}", f"{who}：{zh}", f"{who_en}: {en}", task_id=task.id,
              data={"timer": timer.id, "index": p["index"], "milestone": title, "due": p["due"]}),
        Notify(to, "milestone", {"text_zh": zh, "text_en": en, "holder": who, "holder_en": who_en},
               task_id=task.id)]


def _fire_report(timer: Any, p: dict, item: ItemSnap, task: TaskSnap, ctx: Ctx) -> list[Effect]:
    rules = item.definition.chase_rules_for(task.step)
    if rules is None or rules.report is None:
        return []
    cal, now = ctx.cal, ctx.now
    start, close, day = datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["close"]), p["day"]
    began = datetime.fromisoformat(p["began"])
    done = reported_since(task, start)
    who, who_en = ctx.org.holder_name(task.holder), ctx.org.holder_name(task.holder, "en")
    effects: list[Effect] = []
    phase = p["phase"]
    if phase == "prompt":
        if done or close <= now:
            return []
        zh, en = f"定期反馈：请于 {day} 下班前反馈进展", f"report due: please report progress by the close of office on {day}"
        kind = "report_prompt"
    elif phase == "close":
        # after downtime (or a jump of the clock) every window closed since is judged now, in this one firing
        days = [date.fromisoformat(day)]
        for d in report_days_after(rules, days[0], cal, 60):
            if cal.close_of(d) > now:
                break
            days.append(d)
        effects += _report_timers(rules, task.id, days[-1], began, task.due_at, ctx)
        missed = []
        for d in days:
            s, _, c = window_of(rules, d, began, cal)
            if c > began and not reported_since(task, s):
                missed.append((d, s, c))
        if not missed:
            return effects
        for d, _, _ in missed[:-1]:  # the earlier ones are counted; the message is for the last
            effects.append(Event("report_missed", f"{who}：未按期反馈（{d}）", f"{who_en}: report missed ({d})",
                                 task_id=task.id, data={"timer": timer.id, "day": d.isoformat()}))
        last, last_start, last_close = missed[-1]
        day = last.isoformat()
        zh, en = f"未按期反馈（{day}），请尽快反馈进展", f"report missed ({day}): please report progress now"
        kind = "report_missed"
        effects += _report_chase(rules, task, {**p, "day": day, "start": last_start.isoformat(),
                                               "close": last_close.isoformat()}, last_close, 1,
                                 ctx)
    elif phase == "chase":
        if reported_since(task, start):
            return []
        zh, en = f"催报进展（{day} 未反馈，第 {p['n']} 次催办）", f"chase for the report of {day} (chase #{p['n']})"
        kind = "report_chase"
        effects += _report_chase(rules, task, p, timer.fire_at, int(p["n"]) + 1, ctx)
    else:
        raise ValueError(f"unknown report phase {phase!r}")
    return effects + [
        Event(kind, f"{who}：{zh}", f"{who_en}: {en}", task_id=task.id, data={"timer": timer.id, "day": day}),
        Notify([task.holder], "report", {"text_zh": zh, "text_en": en}, task_id=task.id)]


def _report_chase(rules: dsl.ChaseStep, task: TaskSnap, p: dict, previous: datetime, n: int,
                  ctx: Ctx) -> list[Effect]:
    """The next chase of a missed report: every `every_overdue`, at most `max_chases`, and only before the next
    report day's prompt (the next window takes over)."""
    if rules.every_overdue is None or n > min(rules.max_chases, MAX_REPORT_CHASES):
        return []
    at = add_duration(rules.every_overdue, previous, ctx.cal)
    while at <= ctx.now:
        at = add_duration(rules.every_overdue, at, ctx.cal)
    nxt = report_days_after(rules, date.fromisoformat(p["day"]), ctx.cal)
    if nxt and at >= ctx.cal.open_of(nxt[0]):
        return []
    seq = date.fromisoformat(p["day"]).toordinal() * 100 + 1 + n
    return [ArmTimer(task.id, "report", seq, at, task.due_at or datetime.fromisoformat(p["close"]),
                     {**p, "phase": "chase", "n": n})]

