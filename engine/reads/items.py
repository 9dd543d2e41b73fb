"""Read models: a person's tasks with the actions they may take, an item with its timeline, who may see what."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core import policy
from engine.core.actions import dispatch as actions
from engine.core.model import Actor, ItemSnap, TaskSnap
from engine.core.states import ITEM_STATE_LABELS, OPEN_TASK_STATES, TASK_STATE_LABELS, NotFound, is_overdue, overdue_days
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import db, items as item_store, lists as list_store


def _step_title(item_or_defn: Any, step: str, lang: str) -> str:
    defn = getattr(item_or_defn, "definition", item_or_defn)
    s = defn.steps.get(step)
    return s.title.text(lang) if s else step


def task_view(site: Site, item: ItemSnap, task: TaskSnap, actor: Actor | None, now: datetime, serial: str,
              lang: str = "zh", on_behalf_of: str | None = None) -> dict:
    """A task as its caller sees it; `on_behalf_of`: the login of the person the caller stands in for on it."""
    ctx = site.ctx(now)
    names = actions.available(item, task, actor, ctx) if actor else []
    overdue = is_overdue(task.state, task.due_at, now)
    days = None
    if task.due_at is not None and task.state in OPEN_TASK_STATES:
        days = -overdue_days(task.due_at, now, site.cal) if overdue else \
            site.cal.working_days_between(now, task.due_at)
    zh, en = TASK_STATE_LABELS[task.state]
    return {
        "id": task.id, "version": task.version, "instance_id": item.id, "serial": serial, "title": item.title,
        "definition": item.definition.id, "step": task.step, "step_title": _step_title(item, task.step, lang),
        "kind": task.kind.value, "part": task.part.value, "holder": task.holder.as_dict(),
        "holder_name": site.org.holder_name(task.holder, lang), "state": task.state.value,
        "state_label": {"zh": zh, "en": en}, "due_at": task.due_at, "overdue": overdue,
        "working_days_left": days, "card": task.card.value, "chase_count": task.chase_count,
        "created_at": task.created_at, "data": task.data,
        "actions": [actions.public(a, item, task) for a in names],
        "on_behalf_of": site.org.person_name(on_behalf_of, lang) if on_behalf_of else None,
        "on_behalf_of_login": on_behalf_of,
    }


def my_tasks(site: Site, login: str, state: str = "open", lang: str = "zh", limit: int = 200,
             offset: int = 0, q: str | None = None) -> list[dict]:
    """A person's 我的待办: the tasks in their queue or in the queue of someone they stand in for now (each of those
    marked `on_behalf_of`, 代), in items they may see (engine.core.policy.in_queue and sees, as SQL in
    engine.store.lists.task_refs): open, overdue or done; `limit` from `offset`; with `q`, only in the items search
    finds for it (engine.core.search)."""
    now = site.clock.now()
    out = []
    with db.read(site.eng) as conn:
        actor = proxies.actor(site, login, conn)
        viewer = policy.viewer(site.org, actor, actor.acting_for)
        rows = list_store.task_refs(conn=conn, viewer=viewer, state=state, now=now, limit=limit, offset=offset,
                                     q=q)
        items: dict[int, tuple[ItemSnap, str]] = {}
        for r in rows:
            if r.instance_id not in items:
                item = item_store.load_item(conn=conn, item_id=r.instance_id, definition_of=site.definition)
                items[r.instance_id] = (item, item_store.serial_of(conn=conn, item=item))
            item, serial = items[r.instance_id]
            task = item.task(r.id)
            out.append(task_view(site, item, task, actor, now, serial, lang, policy.stood_in_for(viewer, task.holder)))
    return out


def count_my_tasks(site: Site, login: str, state: str = "open", q: str | None = None) -> int:
    """How many tasks `my_tasks` pages through."""
    with db.read(site.eng) as conn:
        return list_store.count_task_refs(conn=conn, viewer=proxies.viewer(site, login, conn), state=state,
                                          now=site.clock.now(), q=q)


def item_view(site: Site, item_id: int, login: str | None, lang: str = "zh") -> dict:
    """An item with its tasks, entries and timeline (every audit event in order, in words)."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        actor = proxies.actor(site, login, conn) if login else None
        item, row = item_store.load_item_and_row(conn=conn, item_id=item_id, definition_of=site.definition)
        viewer = policy.viewer(site.org, actor, actor.acting_for) if actor is not None else None
        if viewer is not None and not policy.sees(viewer, item, row.confidential):
            raise NotFound("没有这个事项", "no such item", {"instance": item_id})
        events, entries = list_store.timeline(conn=conn, item_id=item_id)
    zh, en = ITEM_STATE_LABELS[item.state]
    tz = site.cal.tz
    return {
        "id": item.id, "serial": row.serial, "definition": item.definition.id,
        "definition_version": row.definition_version, "title": item.title,
        "subject": row.subject, "state": item.state.value, "state_label": {"zh": zh, "en": en},
        "current_step": item.current_step,
        "current_step_title": _step_title(item, item.current_step, lang) if item.current_step else None,
        "assignment": item.assignment, "due_at": row.due_at, "card": row.card, "initiator": item.initiator,
        "confidential": row.confidential, "progress": row.progress, "progress_percent": row.progress_percent,
        "created_at": row.created_at, "closed_at": row.closed_at, "version": item.version,
        "tasks": [task_view(site, item, t, actor, now, row.serial, lang,
                            policy.stood_in_for(viewer, t.holder) if viewer is not None else None)
                  for t in item.tasks],
        "entries": [{"kind": e.kind, "person": e.person, "text": e.text, "percent": e.percent, "at": e.at,
                     "task_id": e.task_id} for e in entries],
        "timeline": [{"at": e.at, "local_time": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "actor": e.actor,
                      "kind": e.kind, "task_id": e.task_id, "on_behalf_of": (e.data or {}).get("on_behalf_of"),
                      "text": e.message_en if lang.startswith("en") else e.message_zh} for e in events],
    }


def timeline_text(site: Site, item_id: int, lang: str = "zh") -> str:
    v = item_view(site, item_id, None, lang)
    lines = [f"{v['serial']} 《{v['title']}》 — {v['state_label']['zh']} {v['state_label']['en']}"]
    lines += [f"  {e['local_time']}  {e['text']}" for e in v["timeline"]]
    return "\n".join(lines)


def open_task_for(site: Site, item_id: int, step: str, *, unit: str | None = None, person: str | None = None,
                  kind: str = "work") -> int:
    """The id of the open task of a step (optionally held by a unit or person): for scripts and tests."""
    with db.read(site.eng) as conn:
        ids = list_store.open_task_ids(conn=conn, item_id=item_id, step=step, kind=kind, unit=unit, person=person)
    if not ids:
        raise NotFound("没有符合条件的待办", f"no open {kind} task at step {step!r}", {"step": step})
    return ids[-1]


def item_of_visible_task(site: Site, task_id: int, login: str) -> int | None:
    """The id of a task's item if `login` may see that item; None when the task does not exist or its item is
    hidden from them (the two answers cannot be told apart: a task reveals nothing of an item one may not see)."""
    with db.read(site.eng) as conn:
        try:
            item = item_store.load_item_of_task(conn=conn, task_id=task_id, definition_of=site.definition)
        except NotFound:
            return None
        viewer = proxies.viewer(site, login, conn)
        return item.id if policy.sees(viewer, item, item_store.confidential_of(item)) else None
