"""Handler of 办结评价: the instructing leader (or their proxy) rates a closed item — the rules of who, when and
what it is worth live in engine.core.rating."""
from __future__ import annotations

from typing import Any

from engine.core.actions.common import event
from engine.core.model import Actor, Effect, Entry, ItemSnap, Notify, TaskSnap, UpdateItem, UpdateTask
from engine.core.org import Holder
from engine.core.rating import LABELS
from engine.core.states import InputError, TaskState


def do_rate(item: ItemSnap, task: TaskSnap, actor: Actor, data: dict, ctx: Any) -> list[Effect]:
    """满意 / 基本满意 / 不满意 with a comment (required for 不满意): the task done, the item's rating set."""
    value, comment = data["rating"], (data.get("comment") or "").strip()
    if value == "unsatisfied" and not comment:
        raise InputError("comment", "评价为不满意时请填写评价意见", "a comment is required when the rating is unsatisfied")
    if actor.login != task.holder.person:  # a proxy: "张三（代李四）", the principal in the event data
        actor = Actor(actor.login, actor.unit, actor.roles, actor.acting_for, on_behalf_of=task.holder.person)
    zh, en = LABELS[value]
    record = {**task.data, "rating": value, "comment": comment, "by": actor.login,
              "on_behalf_of": actor.on_behalf_of, "at": ctx.now.isoformat()}
    out: list[Effect] = [UpdateTask(task.id, {"state": TaskState.done, "closed_at": ctx.now, "outcome": value,
                                              "data": record}),
                         UpdateItem({"rating": value}),
                         event("rate", task, actor, ctx, f"办结评价：{zh}{('，' + comment) if comment else ''}",
                               f"rated the result: {en}{(' — ' + comment) if comment else ''}", rating=value,
                               **({"on_behalf_of": actor.on_behalf_of} if actor.on_behalf_of else {}))]
    if comment:
        out.insert(2, Entry("rating", f"{zh}：{comment}", task_id=task.id))
    lead = item.assignment.get("lead")
    if lead:
        out.append(Notify([Holder(**lead)], "auto_notice", {"message": f"《{item.title}》办结评价：{zh}"}))
    return out



HANDLERS = {"rate": do_rate}
