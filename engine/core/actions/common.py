"""What every family of action handlers shares: the audit event an action records, closing a task, naming the
actor, and reading a unit or a person out of an action's fields. Handlers import this, never the catalogue."""
from __future__ import annotations

from typing import Any

from engine.core.machine import Ctx
from engine.core.model import Actor, Event, ItemSnap, TaskSnap, UpdateTask
from engine.core.org import Holder
from engine.core.states import InputError, Part, TaskState


def actor_name(actor: Actor, ctx: Ctx) -> str:
    """The actor's Chinese name (their login when the organisation does not know them); a proxy acting for
    someone reads "张三（代李四）"."""
    p = ctx.org.people.get(actor.login)
    name = p.name_zh if p else actor.login
    return f"{name}（代{ctx.org.person_name(actor.on_behalf_of)}）" if actor.on_behalf_of else name


def actor_name_en(actor: Actor, ctx: Ctx) -> str:
    """The actor's English name; a proxy acting for someone reads "Zhang San (for Li Si)"."""
    name = ctx.org.person_name(actor.login, "en")
    return f"{name} (for {ctx.org.person_name(actor.on_behalf_of, 'en')})" if actor.on_behalf_of else name


def event(kind: str, task: TaskSnap, actor: Actor, ctx: Ctx, zh: str, en: str, **data: Any) -> Event:
    """The timeline/audit event of an action: "<name><zh>" and "<name> <en>"."""
    return Event(kind, f"{actor_name(actor, ctx)}{zh}", f"{actor_name_en(actor, ctx)} {en}", task_id=task.id, data=data)


def close(task: TaskSnap, state: TaskState, ctx: Ctx, **extra: Any) -> UpdateTask:
    """Close a task in `state`; the snapshot follows, so that a step entered next (an end step closing what is
    still open) sees it closed."""
    task.state = state
    return UpdateTask(task.id, {"state": state, "closed_at": ctx.now, **extra})


def target(value: str, ctx: Ctx, field: str) -> Holder:
    """A unit code or a login from an action's field, as a holder; InputError naming the field otherwise."""
    try:
        return ctx.org.target(value)
    except KeyError:
        raise InputError(field, f"没有单位或人员“{value}”", f"no unit or person {value!r}") from None


def units(values: list[str], ctx: Ctx, field: str) -> list[str]:
    """Unit codes from an action's field, each known and none twice."""
    for u in values:
        if u not in ctx.org.units:
            raise InputError(field, f"没有单位“{u}”", f"no unit {u!r}")
    if len(set(values)) != len(values):
        raise InputError(field, "单位重复", "a unit is listed twice")
    return values


def lead_holders(item: ItemSnap, task: TaskSnap) -> list[Holder]:
    """Who holds the open lead tasks of the task's step (told of a co-handler's answer)."""
    return [t.holder for t in item.open_tasks(task.step) if t.part == Part.lead]


def targets(values: list[str], ctx: Ctx, field: str) -> list[Holder]:
    """Readers or copied parties from an action's field: unit codes, logins or `role:NAME`, as holders; InputError
    naming the field for one nobody knows."""
    out: list[Holder] = []
    for v in values:
        if v.startswith("role:"):
            if not ctx.org.with_role(v[5:]):
                raise InputError(field, f"没有角色“{v[5:]}”的人员", f"nobody has the role {v[5:]!r}")
            out.append(Holder(role=v[5:]))
        else:
            out.append(target(v, ctx, field))
    return list(dict.fromkeys(out))
