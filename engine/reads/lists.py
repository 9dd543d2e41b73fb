"""Read models for lists: items a person may see (filtered, paged), the audit trail, a person's inbox; and the
one small write that goes with reading: marking a notification read (with a read receipt for chases). The SQL
lives in engine.store.lists; who sees what comes from engine.core.policy. Calendar overrides are written by
engine.runtime.calendar_admin."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, NamedTuple

from engine.core import checkpoint_facts, policy
from engine.core.actions import dispatch as actions
from engine.core.states import (
    ITEM_STATE_LABELS, OPEN_TASK_STATES, TASK_STATE_LABELS, URGENCY_LABELS, InputError, ItemState, NotFound,
    TaskKind, is_overdue, overdue_days, urgency_of,
)
from engine.reads import items as queries, lights
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import audit, db, done_tab, items as item_store, lists as list_store, open_queue

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
INBOX_LIMIT = 200
CHASE_KINDS = frozenset({"chase", "chase_manual"})  # notifications whose reading is recorded (已阅)
# the actions a 我的待办 card offers first (at most two, in this order); the rest are on the task (GET /tasks/{id})
PRIMARY = ("accept", "complete", "approve", "submit", "assign", "read", "rate", "reject", "transfer", "progress")
MAX_CURSOR = 64


# ------------------------------------------------------------------ items
def list_items(site: Site, *, login: str, definition: str | None = None, state: str | None = None,
               unit: str | None = None, overdue: bool | None = None, q: str | None = None, page: int = 1,
               lang: str = "zh", page_size: int = PAGE_SIZE, parent: int | None = None) -> dict:
    """The items `login` may see (the parts of `parent` only, when given), newest first, `page_size` a page:
    {"items", "total", "page", "page_size"}."""
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, login, conn)
        total, rows = list_store.item_page(conn=conn, viewer=viewer, now=site.clock.now(), definition=definition,
                                           state=state, unit=unit, overdue=overdue, q=q, limit=page_size,
                                           offset=(page - 1) * page_size, parent=parent)
    return {"items": [item_summary(site, r, lang) for r in rows], "total": total, "page": page,
            "page_size": page_size}


def item_summary(site: Site, row: Any, lang: str = "zh") -> dict:
    """One line of the item list, from an instance row (with an `overdue` column)."""
    zh, en = ITEM_STATE_LABELS[ItemState(row.state)]
    step_title = None
    if row.current_step:
        defn = site.definition(row.definition_key, row.definition_version)
        step = defn.steps.get(row.current_step)
        step_title = step.title.text(lang) if step else row.current_step
    return {"id": row.id, "serial": row.serial, "definition": row.definition_key, "title": row.title,
            "state": row.state, "state_label": {"zh": zh, "en": en}, "current_step": row.current_step,
            "current_step_title": step_title, "lead_unit": row.lead_unit, "due_at": row.due_at,
            "overdue": bool(row.overdue), "card": row.card, "confidential": row.confidential,
            "initiator": row.initiator, "progress_percent": row.progress_percent, "created_at": row.created_at,
            "closed_at": row.closed_at}


def task_and_item(site: Site, *, task_id: int, item_id: int, login: str, lang: str = "zh") -> dict:
    """A task and its item as `login` sees them now (after an action): {"task", "item"}."""
    item = queries.item_view(site, item_id, login, lang)
    task = next((t for t in item["tasks"] if t["id"] == task_id), None)
    return {"task": task, "item": item}


# ------------------------------------------------------------------ 我的待办, lean
class TaskPage(NamedTuple):
    rows: list[dict]
    next: str | None  # the 已办 tab's next cursor
    total: int | None  # how many in all pages (open and overdue, when counted or on the last page; never 已办)
    overdue: int | None = None  # of those, how many are overdue (the 已超期 tab's count, read with the open tab)


def task_rows(site: Site, *, login: str, state: str = "open", lang: str = "zh", limit: int = PAGE_SIZE,
              offset: int = 0, q: str | None = None, cursor: str | None = None,
              full: bool = False, items_out: dict | None = None, counted: bool = True) -> TaskPage:
    """A page of a person's 我的待办 as its cards show it (lean rows: no forms, the primary actions by name; with
    `full`, each task with every action and its fields, engine.reads.items.task_view) and, for the 已办 tab (`state`
    done, keyset-paged by `cursor`, newest closed first), the next page's cursor (None at the end). The open and
    overdue tabs are read in the queue's order a page at a time (engine.store.open_queue; with `q`, the tasks of
    the items search finds, engine.store.lists.task_refs); with `counted`, the tab's total and the overdue count
    come from one more pass over the queue (engine.store.open_queue.queue_counts), without it the total is known
    only on the last page (None before it: there are more). The page's items and all their tasks are read once,
    in two queries, and give the lights and the checkpoints as well (and, with `items_out`, the page's report
    prompts: the snapshots are put there by id)."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        actor = proxies.actor(site, login, conn)
        viewer = policy.viewer(site.org, actor, actor.acting_for)
        total = overdue = None
        if state == "done":
            refs = done_tab.done_refs(conn=conn, viewer=viewer, limit=limit + 1, after=read_cursor(cursor), q=q)
            more, refs = len(refs) > limit, refs[:limit]
        else:
            if q:
                refs = list_store.task_refs(conn=conn, viewer=viewer, state=state, now=now, limit=limit + 1,
                                            offset=offset, q=q)
                more, refs = len(refs) > limit, refs[:limit]
            else:
                refs, more = open_queue.queue_page(conn=conn, viewer=viewer, state=state, now=now, limit=limit,
                                                   offset=offset)
            if counted:
                total, overdue = open_queue.queue_counts(conn=conn, viewer=viewer, state=state, now=now, q=q)
            elif not more and (refs or not offset):
                total = offset + len(refs)
            more = False  # the open tabs are paged by number, not by cursor
        rows: dict[int, Any] = {}
        items = item_store.load_items(conn=conn, item_ids={r.instance_id for r in refs}, definition_of=site.definition,
                                      rows_out=rows)
        serials = {i: item_store.serial_of(conn=conn, item=it) for i, it in items.items()}  # read with the items
    if items_out is not None:
        items_out.update(items)
    ctx = site.ctx(now)
    gone = {i: checkpoint_facts.facts(it, now, site.cal) for i, it in items.items() if it.state == ItemState.running}
    lit = {i: lights.shown(site, rows[i], it.tasks, it.definition.lights, now, gone.get(i)) for i, it in items.items()}
    out = []
    for r in refs:
        item = items[r.instance_id]
        task = item.task(r.id)
        if full:
            out.append(queries.task_view(site, item, task, actor, now, serials[item.id], lang,
                                         policy.stood_in_for(viewer, task.holder)) | {"light": lit[item.id]})
        else:
            out.append(row_view(site, item, task, actor, viewer, ctx, now, lang, serials[item.id], lit[item.id]))
    return TaskPage(out, make_cursor(refs[-1]) if more and refs else None, total, overdue)


def row_view(site: Site, item: Any, task: Any, actor: Any, viewer: Any, ctx: Any, now: datetime, lang: str,
             serial: str, light: dict | None) -> dict:
    """One card of 我的待办: what the card shows and the one or two primary actions by name (engine.core.actions
    lists them; the full task with every action's fields is GET /tasks/{id})."""
    names = actions.available(item, task, actor, ctx)
    primary = [a for a in PRIMARY if a in names][:2] or names[:1]
    overdue = task.kind != TaskKind.copy and is_overdue(task.state, task.due_at, now)
    days = None
    if task.due_at is not None and task.state in OPEN_TASK_STATES:
        days = -overdue_days(task.due_at, now, site.cal) if overdue else site.cal.working_days_between(now, task.due_at)
    zh, en = TASK_STATE_LABELS[task.state]
    urgency = urgency_of(item.subject)
    stood_for = policy.stood_in_for(viewer, task.holder)
    step = item.definition.steps.get(task.step)
    return {
        "id": task.id, "version": task.version, "instance_id": item.id, "serial": serial, "title": item.title,
        "definition": item.definition.id, "step": task.step, "step_title": step.title.text(lang) if step else task.step,
        "kind": task.kind.value, "part": task.part.value, "holder": task.holder.as_dict(),
        "holder_name": site.org.holder_name(task.holder, lang), "state": task.state.value,
        "state_label": {"zh": zh, "en": en}, "due_at": task.due_at, "overdue": overdue, "working_days_left": days,
        "card": task.card.value, "chase_count": task.chase_count, "closed_at": task.closed_at,
        "level": lights.level_of(item.subject) if "level" in item.definition.fields else None, "light": light,
        "urgency": urgency, "urgency_label": dict(zip(("zh", "en"), URGENCY_LABELS[urgency])) if urgency else None,
        "on_behalf_of": site.org.person_name(stood_for, lang) if stood_for else None, "on_behalf_of_login": stood_for,
        "actions": primary, "more_actions": len(names) - len(primary),
        "links": {"self": f"/api/v1/tasks/{task.id}", "item": f"/api/v1/instances/{item.id}"},
    }


def make_cursor(ref: Any) -> str:
    """The keyset of the 已办 tab's next page: after this row's (closed_at, id)."""
    at = ref.closed_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if ref.closed_at else ""
    return f"{at}~{ref.id}"  # nothing a URL must escape


def read_cursor(cursor: str | None) -> tuple[datetime | None, int] | None:
    """(closed_at, id) from a cursor `make_cursor` gave; InputError for anything else."""
    if not cursor:
        return None
    at, _, tid = cursor.partition("~")
    try:
        when = datetime.fromisoformat(at) if at else None
        if len(cursor) > MAX_CURSOR or not tid.isdigit() or len(tid) > 12 or (when and when.tzinfo is None):
            raise ValueError(cursor)
    except ValueError:
        raise InputError("cursor", "翻页标记无效，请从第一页重新打开", "bad cursor: open the first page again") from None
    return when, int(tid)


def task_full(site: Site, *, task_id: int, login: str, lang: str = "zh") -> dict:
    """One task as its caller sees it, with every action and its fields (what a 我的待办 card opens); NotFound
    when there is no such task or its item is hidden from the caller (the two cannot be told apart)."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        try:
            item_id: int | None = item_store.item_of_task(conn=conn, task_id=task_id)
        except NotFound:
            item_id = None
        actor = proxies.actor(site, login, conn)
        viewer = policy.viewer(site.org, actor, actor.acting_for)
        item, row = item_store.load_item_and_row(conn=conn, item_id=item_id, definition_of=site.definition) \
            if item_id is not None else (None, None)
        if item is None or not policy.sees(viewer, item, row.confidential):
            raise NotFound("没有这个待办", "no such task", {"task": task_id})
    task = item.task(task_id)
    view = queries.task_view(site, item, task, actor, now, row.serial, lang, policy.stood_in_for(viewer, task.holder))
    gone = checkpoint_facts.facts(item, now, site.cal) if item.state == ItemState.running else None
    return view | {"light": lights.shown(site, row, item.tasks, item.definition.lights, now, gone)}


def count_items(site: Site) -> int:
    with db.read(site.eng) as conn:
        return list_store.count_items(conn=conn)


# ------------------------------------------------------------------ audit trail
def audit_events(site: Site, *, login: str, instance: int | None = None, person: str | None = None,
                 since: datetime | None = None, page: int = 1, lang: str = "zh") -> dict:
    """The audit log (auditors and admins), oldest first, filtered by item, actor and time."""
    policy.require_auditor(site.actor(login))
    tz = site.cal.tz
    with db.read(site.eng) as conn:
        total, rows = list_store.audit_page(conn=conn, instance=instance, person=person, since=since,
                                            limit=AUDIT_PAGE_SIZE, offset=(page - 1) * AUDIT_PAGE_SIZE)
    events = [{"id": r.id, "instance_id": r.instance_id, "serial": r.serial, "task_id": r.task_id, "at": r.at,
               "local_time": r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "actor": r.actor, "kind": r.kind,
               "text": r.message_en if lang.startswith("en") else r.message_zh, "data": r.data or {}}
              for r in rows]
    return {"events": events, "total": total, "page": page, "page_size": AUDIT_PAGE_SIZE}


# ------------------------------------------------------------------ inbox
def notifications(site: Site, *, login: str, unread_only: bool = False, lang: str = "zh") -> list[dict]:
    """A person's inbox (notices about items they may see now): unread first, newest first within each."""
    with db.read(site.eng) as conn:
        rows = list_store.notification_rows(conn=conn, viewer=proxies.viewer(site, login, conn),
                                            unread_only=unread_only, limit=INBOX_LIMIT)
    return [note_view(r, lang) for r in rows]


def note_view(r: Any, lang: str) -> dict:
    """A notification in the reader's language; its last line, the link (engine.runtime.messages.link_lines), is
    given apart as `link`."""
    en = lang.startswith("en")
    body = (r.body_en or r.body) if en else r.body
    text, _, last = body.rpartition("\n")
    link = None
    for prefix in ("办理链接：", "Open: "):
        if text and last.startswith(prefix):
            body, link = text, last[len(prefix):]
    return {"id": r.id, "kind": r.kind, "title": (r.title_en or r.title) if en else r.title,
            "body": body, "link": link, "instance_id": r.instance_id, "task_id": r.task_id,
            "created_at": r.created_at, "read_at": r.read_at, "read": r.read_at is not None}


def mark_read(site: Site, *, login: str, notification_id: int, lang: str = "zh") -> dict:
    """Mark one of the caller's own notifications read; the first reading of a chase is audited (已阅)."""
    now = site.clock.now()
    with db.write(site.eng) as conn:
        viewer = proxies.viewer(site, login, conn)
        row = list_store.notification(conn=conn, notification_id=notification_id, viewer=viewer)
        if row is None:
            raise NotFound("没有这条通知", "no such notification", {"notification": notification_id})
        first = list_store.mark_read(conn=conn, notification_id=row.id, now=now)
        if first and row.kind in CHASE_KINDS and row.instance_id is not None:
            p = site.org.people.get(login)
            audit.record(conn=conn, at=now, actor=login, kind="read",
                         zh=f"{p.name_zh if p else login}已阅催办通知：{row.title}",
                         en=f"{login} read the chase notice: {row.title_en}", instance_id=row.instance_id,
                         task_id=row.task_id, data={"notification": row.id})
        row = list_store.notification(conn=conn, notification_id=notification_id, viewer=viewer)
    return note_view(row, lang)


# ------------------------------------------------------------------ calendar
def calendar_year(site: Site, *, year: int) -> dict:
    """A year's special days (holidays, make-up working days, overrides) and whether the year is known."""
    cal = site.cal
    return {"year": year, "year_known": cal.year_known(year), "days": cal.days(year)}


def warm(site: Site) -> None:
    """Load the site's cached organisation, calendar and definitions now (before threads race to)."""
    site.org, site.cal, site.definitions()
