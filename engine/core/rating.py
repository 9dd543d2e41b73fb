"""办结评价, pure: when an item closes completed at an end step with `rating:`, the person who gave the instruction
(the first of the rule's `by` who resolves: the `leader` field, else the issuer) gets a rating task; they (or their
proxy, 代理) rate 满意 / 基本满意 / 不满意 once, with a comment that 不满意 requires; a task left for the rule's
`window` lapses to 未评价 through its timer (the sweep's path, claimed once). The item keeps the value in its
`rating` column; the task keeps who rated, when, and the comment.

Scores for appraisal (engine.appraisal.metrics `satisfaction`): 满意 100, 基本满意 80, 不满意 40; 未评价 is not
counted."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core import dsl
from engine.core.model import Actor, Effect, Event, ItemSnap, NewTask, Notify, TaskSnap, UpdateItem, UpdateTask
from engine.core.org import Holder, resolve
from engine.core.states import ItemState, OPEN_TASK_STATES, Part, TaskKind, TaskState

RATINGS = ("satisfied", "basically", "unsatisfied")
NOT_RATED = "none"
LABELS = {"satisfied": ("满意", "Satisfied"), "basically": ("基本满意", "Basically satisfied"),
          "unsatisfied": ("不满意", "Unsatisfied"), NOT_RATED: ("未评价", "Not rated")}
SCORES = {"satisfied": 100, "basically": 80, "unsatisfied": 40}
PENDING = ("待评价", "Awaiting rating")


def label(value: str | None, lang: str = "zh") -> str:
    """A rating's words; an item not yet rated (None) reads 待评价 while its task is open, else 未评价."""
    zh, en = LABELS.get(value or NOT_RATED, LABELS[NOT_RATED])
    return en if lang.startswith("en") else zh


def rater(item: ItemSnap, rule: dsl.RatingRule, org: Any) -> Holder | None:
    """Who rates: the first of `by` that names a person (a unit or a role names nobody in particular)."""
    for expr_ in rule.by:
        for h in resolve(expr_, org=org, subject=item.subject, assignment=item.assignment, initiator=item.initiator):
            if h.person:
                return h
    return None


def request(item: ItemSnap, step_id: str, step: dsl.EndStep, org: Any, due: datetime) -> list[Effect]:
    """At a completed end with `rating:`: the rating task (due when the window closes: `due`, which the machine
    reckons on the calendar), its event and notice."""
    if step.rating is None or step.outcome != "completed":
        return []
    who = rater(item, step.rating, org)
    if who is None:
        return [Event("rating_skipped", "无批示领导，不作办结评价", "no instructing leader: no rating asked")]
    return [NewTask(step=step_id, part=Part.single, holder=who, due_at=due, state=TaskState.active,
                    kind=TaskKind.rating, data={"purpose": "rating"}, ref="rating"),
            Event("rating_requested", f"请{org.holder_name(who)}办结评价",
                  f"{org.holder_name(who, 'en')} is asked to rate the result", task_ref="rating",
                  data={"due_at": due.isoformat()}),
            Notify([who], "task_new", {"step": "办结评价", "step_en": "Rating", "due_at": due}, task_ref="rating")]


def open_rating(item: ItemSnap) -> TaskSnap | None:
    return next((t for t in item.tasks if t.kind == TaskKind.rating and t.state in OPEN_TASK_STATES), None)


def actions(item: ItemSnap, task: TaskSnap, actor: Actor) -> list[str]:
    """On a rating task: `rate` for its holder or whoever stands in for them (代理), while it is open and the item
    completed; nothing else (nobody chases or cancels a leader's rating)."""
    if task.state != TaskState.active or item.state != ItemState.completed:
        return []
    # the rater in person, or someone standing in for them now (代理); a unit head holding their people's tasks
    # (engine.core.org.holds) does not rate for the leader of their unit
    holds = task.holder.person == actor.login or task.holder.person in actor.acting_for
    return ["rate"] if holds else []


def lapse(item: ItemSnap, task: TaskSnap, now: datetime) -> list[Effect]:
    """The window closed with the task open: it lapses, and the item reads 未评价."""
    return [UpdateTask(task.id, {"state": TaskState.skipped, "closed_at": now, "outcome": "lapsed"}),
            UpdateItem({"rating": NOT_RATED}),
            Event("rating_lapsed", "评价期限届满，记为未评价", "the rating window closed: not rated", task_id=task.id)]

