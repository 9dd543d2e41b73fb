"""Handlers of appraisal appeals (申诉) and calibration (校准)."""
from __future__ import annotations

from engine.core.actions.common import close, event
from engine.core.codec import to_json
from engine.core.machine import APPEAL, PURPOSE, due_time, each_advance
from engine.core.model import NewTask, Notify
from engine.core.org import Holder, resolve
from engine.core.states import InputError, NotAllowed, Part, TaskState


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
    return [close(task, TaskState.done, ctx, outcome="appeal", data={**task.data, "appeal_reason": data["reason"]}),
            new,
            event("appeal", task, actor, ctx, "提出申诉", "appealed", reason=data["reason"], reviewer=reviewer),
            Notify([new.holder], "task_new", {"step": f"{step.title.zh}（申诉）", "step_en": f"{step.title.en} (appeal)",
                                              "due_at": due}, task_ref="appeal")]


def _decide_appeal(item, task, actor, ctx, outcome, zh, en, told, **data):
    """The timeline says what was decided, not the scores or reasons (everyone in the item sees it); the
    appellant is told in their own inbox, and the audit event keeps the details."""
    ratee = task.data.get("ratee")
    return [close(task, TaskState.done, ctx, outcome=outcome, data={**task.data, **to_json(data)}),
            event(outcome, task, actor, ctx, zh, en, ratee=ratee, **to_json(data)),
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


HANDLERS = {"appeal": do_appeal, "uphold": do_uphold, "adjust": do_adjust, "calibrate": do_calibrate}
