"""Read models: a person's tasks with the actions they may take, an item with its timeline, who may see what."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core import policy
from engine.core.actions import dispatch as actions
from engine.core.model import Actor, ItemSnap, TaskSnap
from engine.core.org import Holder
from engine.core.states import (
    ITEM_STATE_LABELS, OPEN_TASK_STATES, TASK_KIND_LABELS, TASK_STATE_LABELS, URGENCY_LABELS, ItemState, NotFound, TaskKind,
    TaskState, is_overdue, overdue_days, urgency_of,
)
from engine.reads import parts
from engine.reads import rating as rating_reads
from engine.reads import lights
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import attachments as attachment_store, db, items as item_store, lists as list_store


def _step_title(item_or_defn: Any, step: str, lang: str) -> str:
    defn = getattr(item_or_defn, "definition", item_or_defn)
    s = defn.steps.get(step)
    return s.title.text(lang) if s else step


def task_view(site: Site, item: ItemSnap, task: TaskSnap, actor: Actor | None, now: datetime, serial: str,
              lang: str = "zh", on_behalf_of: str | None = None) -> dict:
    """A task as its caller sees it; `on_behalf_of`: the login of the person the caller stands in for on it."""
    ctx = site.ctx(now)
    names = actions.available(item, task, actor, ctx) if actor else []
    overdue = task.kind != TaskKind.copy and is_overdue(task.state, task.due_at, now)
    days = None
    if task.due_at is not None and task.state in OPEN_TASK_STATES:
        days = -overdue_days(task.due_at, now, site.cal) if overdue else \
            site.cal.working_days_between(now, task.due_at)
    zh, en = TASK_STATE_LABELS[task.state]
    return {
        "id": task.id, "version": task.version, "instance_id": item.id, "serial": serial, "title": item.title,
        "definition": item.definition.id, "step": task.step, "step_title": _step_title(item, task.step, lang),
        "kind": task.kind.value, "kind_label": dict(zip(("zh", "en"), TASK_KIND_LABELS[task.kind])), "part": task.part.value, "holder": task.holder.as_dict(),
        "holder_name": site.org.holder_name(task.holder, lang), "state": task.state.value,
        "state_label": {"zh": zh, "en": en}, "due_at": task.due_at, "overdue": overdue,
        "working_days_left": days, "card": task.card.value, "chase_count": task.chase_count,
        "created_at": task.created_at, "data": task.data,
        "actions": [actions.public(a, item, task) for a in names],
        "on_behalf_of": site.org.person_name(on_behalf_of, lang) if on_behalf_of else None,
        "on_behalf_of_login": on_behalf_of,
        "proposal": proposal(site, item, lang),
        "urgency": urgency_of(item.subject),
        "urgency_label": dict(zip(("zh", "en"), URGENCY_LABELS[urgency_of(item.subject)]))
        if urgency_of(item.subject) else None,
    }


def proposal(site: Site, item: ItemSnap, lang: str = "zh") -> dict | None:
    """The office director's 拟办 as the leader's 批办 card shows it: the 拟办意见 with the proposed lead and
    co-units (None before a proposal with words)."""
    a = item.assignment or {}
    if not a.get("opinion"):
        return None
    lead = Holder(**a["lead"]) if a.get("lead") else None
    sep = ", " if lang.startswith("en") else "、"
    return {"opinion": a["opinion"], "lead": site.org.holder_name(lead, lang) if lead else "",
            "co": sep.join(site.org.holder_name(Holder(unit=u), lang) for u in a.get("co") or [])}


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
        # the page's items and all their tasks in two queries (not two a row): a page costs what it shows
        item_rows: dict[int, Any] = {}  # for the light (亮灯): due, start, progress
        items = item_store.load_items(conn=conn, item_ids={r.instance_id for r in rows}, definition_of=site.definition,
                                      rows_out=item_rows)
        for r in rows:
            item = items[r.instance_id]
            task = item.task(r.id)
            out.append(task_view(site, item, task, actor, now, item_store.serial_of(conn=conn, item=item), lang,
                                 policy.stood_in_for(viewer, task.holder)))
    lit = lights.missed(site, [i for i, it in items.items() if it.state == ItemState.running], now)
    for t in out:  # 亮灯: the item's light beside each of its tasks
        item = items[t["instance_id"]]
        t["light"] = lights.shown(site, item_rows[item.id], item.tasks, item.definition.lights, now, lit.get(item.id))
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
        split = parts.family(site, conn, item_id, viewer, lang)  # 任务分解: its parent and its parts
        files = attachment_store.of_item(conn=conn, instance_id=item_id)
    zh, en = ITEM_STATE_LABELS[item.state]
    tz = site.cal.tz
    names = {f["id"]: f for f in files}
    return {
        "id": item.id, "serial": row.serial, "definition": item.definition.id,
        "definition_version": row.definition_version, "title": item.title,
        "subject": row.subject, "state": item.state.value, "state_label": {"zh": zh, "en": en},
        "current_step": item.current_step,
        "current_step_title": _step_title(item, item.current_step, lang) if item.current_step else None,
        "assignment": item.assignment, "due_at": row.due_at, "card": row.card, "initiator": item.initiator,
        "confidential": row.confidential, "progress": row.progress, "progress_percent": row.progress_percent,
        "level": lights.level_of(row.subject) if "level" in item.definition.fields else None,
        "light": lights.shown(site, row, item.tasks, item.definition.lights, now,
                              lights.missed(site, [item.id], now).get(item.id)),
        "created_at": row.created_at, "closed_at": row.closed_at, "version": item.version,
        "tasks": [task_view(site, item, t, actor, now, row.serial, lang,
                            policy.stood_in_for(viewer, t.holder) if viewer is not None else None)
                  for t in item.tasks],
        "parent": split["parent"], "children": split["children"], "rollup": split["rollup"],
        "circulation": circulation_sheet(site, item, lang),
        "rating": rating_reads.of_item(item, getattr(row, "rating", None), site.org, lang),  # 办结评价
        "copies": [{"holder": t.holder.as_dict(), "name": site.org.holder_name(t.holder, lang),
                    "by": site.org.person_name(t.sender, lang) if t.sender else None, "at": t.created_at}
                   for t in item.tasks if t.kind == TaskKind.copy],
        "entries": [{"kind": e.kind, "person": e.person, "text": e.text, "percent": e.percent, "at": e.at,
                     "task_id": e.task_id, "attachments": [file_link(f) for f in files if f["entry_id"] == e.id]}
                    for e in entries],
        "attachments": files,
        "timeline": [{"at": e.at, "local_time": e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "actor": e.actor,
                      "kind": e.kind, "task_id": e.task_id, "on_behalf_of": (e.data or {}).get("on_behalf_of"),
                      "text": e.message_en if lang.startswith("en") else e.message_zh,
                      "attachments": linked(e.data, names)} for e in events],
    }


def file_link(f: dict) -> dict:
    """A file as an entry or a timeline event links it: id, name, size and its download URL."""
    return {"id": f["id"], "name": f["name"], "size": f["size"], "url": f"/api/v1/attachments/{f['id']}/content"}


def linked(data: dict | None, files: dict[int, dict]) -> list[dict]:
    """The files an audit event names (an upload, or an action that sent files), those not removed."""
    ids = list((data or {}).get("attachments") or []) + ([data["attachment"]] if (data or {}).get("attachment") else [])
    return [file_link(files[i]) for i in ids if i in files]


READING_STATES = {"read": ("已阅", "Read"), "unread": ("未阅", "Not read yet"), "queued": ("待传阅", "Queued"),
                  "recalled": ("已收回", "Recalled")}


def circulation_sheet(site: Site, item: ItemSnap, lang: str = "zh") -> list[dict]:
    """The circulation sheet (传阅单): every reader of every circulation of the item, in order, read or not, when,
    and their reading notes (阅批); the readers still queued in a sequential circulation come last."""
    tz = site.cal.tz
    rows: list[dict] = []

    def row(holder: Holder, state: str, t=None) -> dict:  # noqa: ANN001
        read_at = (t.data.get("read_at") if t is not None else None) or None
        return {"task_id": t.id if t is not None else None, "circulation": (t.data if t is not None else {}).get(
                    "circulation"), "holder": holder.as_dict(), "reader": site.org.holder_name(holder, lang),
                "state": state, "state_label": dict(zip(("zh", "en"), READING_STATES[state])),
                "read_at": read_at, "read_local": datetime.fromisoformat(read_at).astimezone(tz).strftime(
                    "%Y-%m-%d %H:%M") if read_at else None,
                "due_at": t.due_at if t is not None else None,
                "by": site.org.person_name(t.data["by"], lang) if t is not None and t.data.get("by") else None,
                "note": (t.data.get("note") if t is not None else "") or "",
                "notes": list((t.data.get("notes") if t is not None else None) or [])}
    queued: list[dict] = []
    for t in item.tasks:
        if t.kind != TaskKind.reading:
            continue
        state = "read" if t.state == TaskState.done else "recalled" if t.state == TaskState.cancelled else "unread"
        rows.append(row(t.holder, state, t))
        if t.state in OPEN_TASK_STATES:
            queued += [dict(row(Holder(**h), "queued"), circulation=t.data.get("circulation"))
                       for h in t.data.get("queue") or []]
    return rows + queued


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
