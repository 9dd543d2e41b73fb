"""Read models for lists: items a person may see (filtered, paged), the audit trail, a person's inbox; and the
one small write that goes with reading: marking a notification read (with a read receipt for chases). The SQL
lives in engine.store.lists; who sees what comes from engine.core.policy. Calendar overrides are written by
engine.runtime.calendar_admin."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core import policy
from engine.core.states import ITEM_STATE_LABELS, ItemState, NotFound
from engine.reads import items as queries
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import audit, db, lists as list_store

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
INBOX_LIMIT = 200
CHASE_KINDS = frozenset({"chase", "chase_manual"})  # notifications whose reading is recorded (已阅)


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
