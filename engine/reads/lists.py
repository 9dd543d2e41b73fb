"""Read models for lists: items a person may see (filtered, paged), the audit trail, a person's inbox;
and the two small writes that go with reading: marking a notification read (with a read receipt for
chases) and the site's calendar overrides."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.reads import items as queries
from engine.core.model import Actor
from engine.runtime.site import Site
from engine.core.states import ITEM_STATE_LABELS, OPEN_TASK_STATES, OVERDUE_KINDS, ItemState, NotFound
from engine.store import audit, db
from engine.store.tables import CalendarOverride, Event, Instance, Notification, Task
from engine.core import policy

T_ITEM, T_TASK, T_EVENT = Instance.__table__, Task.__table__, Event.__table__
T_NOTE, T_CAL = Notification.__table__, CalendarOverride.__table__
PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
INBOX_LIMIT = 200
CHASE_KINDS = frozenset({"chase", "chase_manual"})  # notifications whose reading is recorded (已阅)
_OPEN = [s.value for s in OPEN_TASK_STATES]


# ------------------------------------------------------------------ items
def visible_clause(site: Site, actor: Actor) -> sa.ColumnElement[bool]:
    """SQL form of engine.queries.can_see. Confidential items: only the people, units and roles involved;
    others also the units of the people involved, and supervisors. (tests/api/test_listing.py checks that
    both agree for every person and item.)"""
    i, t = T_ITEM.c, T_TASK.c
    members = sorted({p.login for p in site.org.people.values() if p.unit == actor.unit} | {actor.login})
    involved = sa.or_(
        i.initiator == actor.login, i.lead_unit == actor.unit,
        sa.cast(i.assignment, sa.Text).contains(f'"{actor.unit}"', autoescape=True),
        sa.exists().where(t.instance_id == i.id, sa.or_(t.person == actor.login, t.sender == actor.login,
                                                        t.unit == actor.unit, t.role.in_(sorted(actor.roles)))))
    if actor.roles & policy.SEE_ALL_ROLES:
        return sa.or_(i.confidential.is_(False), involved)
    unit_involved = sa.or_(i.initiator.in_(members), sa.exists().where(
        t.instance_id == i.id, sa.or_(t.person.in_(members), t.sender.in_(members))))
    return sa.or_(involved, sa.and_(i.confidential.is_(False), unit_involved))


def overdue_clause(now: datetime) -> sa.ColumnElement[bool]:
    """engine.core.states.item_overdue as SQL: a running item with an open work task past its due time."""
    i, t = T_ITEM.c, T_TASK.c
    return sa.and_(i.state == ItemState.running.value, sa.exists().where(
        t.instance_id == i.id, t.kind.in_(sorted(k.value for k in OVERDUE_KINDS)), queries.task_overdue_clause(now)))


def list_items(site: Site, *, login: str, definition: str | None = None, state: str | None = None,
               unit: str | None = None, overdue: bool | None = None, q: str | None = None, page: int = 1,
               lang: str = "zh") -> dict:
    """The items `login` may see, newest first, PAGE_SIZE a page: {"items", "total", "page", "page_size"}."""
    actor = site.actor(login)
    now = site.clock.now()
    i = T_ITEM.c
    where = [visible_clause(site, actor)]
    if definition:
        where.append(i.definition_key == definition)
    if state:
        where.append(i.state == state)
    if unit:
        where.append(sa.or_(i.lead_unit == unit, sa.cast(i.assignment, sa.Text).contains(f'"{unit}"', autoescape=True)))
    if overdue is not None:
        where.append(overdue_clause(now) if overdue else sa.not_(overdue_clause(now)))
    if q:
        where.append(sa.or_(i.title.icontains(q, autoescape=True), i.serial.icontains(q, autoescape=True)))
    over = overdue_clause(now).label("overdue")
    with db.read(site.eng) as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(T_ITEM).where(*where)).scalar_one()
        rows = list(conn.execute(sa.select(T_ITEM, over).where(*where).order_by(i.id.desc())
                                 .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return {"items": [item_summary(site, r, lang) for r in rows], "total": total, "page": page,
            "page_size": PAGE_SIZE}


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
        return conn.execute(sa.select(sa.func.count()).select_from(T_ITEM)).scalar_one()


# ------------------------------------------------------------------ audit trail
def audit_events(site: Site, *, login: str, instance: int | None = None, person: str | None = None,
                 since: datetime | None = None, page: int = 1, lang: str = "zh") -> dict:
    """The audit log (auditors and admins), oldest first, filtered by item, actor and time."""
    policy.require_auditor(site.actor(login))
    e = T_EVENT.c
    where = []
    if instance is not None:
        where.append(e.instance_id == instance)
    if person:
        where.append(e.actor == person)
    if since is not None:
        where.append(e.at >= since)
    q = (sa.select(T_EVENT, T_ITEM.c.serial).select_from(T_EVENT.outerjoin(T_ITEM, T_ITEM.c.id == e.instance_id))
         .where(*where))
    tz = site.cal.tz
    with db.read(site.eng) as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(T_EVENT).where(*where)).scalar_one()
        rows = list(conn.execute(q.order_by(e.id).limit(AUDIT_PAGE_SIZE).offset((page - 1) * AUDIT_PAGE_SIZE)))
    events = [{"id": r.id, "instance_id": r.instance_id, "serial": r.serial, "task_id": r.task_id, "at": r.at,
               "local_time": r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "actor": r.actor, "kind": r.kind,
               "text": r.message_en if lang.startswith("en") else r.message_zh, "data": r.data or {}}
              for r in rows]
    return {"events": events, "total": total, "page": page, "page_size": AUDIT_PAGE_SIZE}


# ------------------------------------------------------------------ inbox
def notifications(site: Site, *, login: str, unread_only: bool = False, lang: str = "zh") -> list[dict]:
    """A person's inbox: unread first, newest first within each."""
    n = T_NOTE.c
    q = sa.select(T_NOTE).where(n.person == login)
    if unread_only:
        q = q.where(n.read_at.is_(None))
    q = q.order_by(n.read_at.is_not(None), n.created_at.desc(), n.id.desc()).limit(INBOX_LIMIT)
    with db.read(site.eng) as conn:
        return [_note(r, lang) for r in conn.execute(q)]


def _note(r: Any, lang: str) -> dict:
    en = lang.startswith("en")
    return {"id": r.id, "kind": r.kind, "title": (r.title_en or r.title) if en else r.title,
            "body": (r.body_en or r.body) if en else r.body, "instance_id": r.instance_id, "task_id": r.task_id,
            "created_at": r.created_at, "read_at": r.read_at, "read": r.read_at is not None}


def mark_read(site: Site, *, login: str, notification_id: int, lang: str = "zh") -> dict:
    """Mark one of the caller's own notifications read; the first reading of a chase is audited (已阅)."""
    now = site.clock.now()
    n = T_NOTE.c
    with db.write(site.eng) as conn:
        row = conn.execute(sa.select(T_NOTE).where(n.id == notification_id, n.person == login)).first()
        if row is None:
            raise NotFound("没有这条通知", "no such notification", {"notification": notification_id})
        first = conn.execute(T_NOTE.update().where(n.id == row.id, n.read_at.is_(None))
                             .values(read_at=now)).rowcount == 1
        if first and row.kind in CHASE_KINDS and row.instance_id is not None:
            _read_receipt(site, conn, row, login, now)
        row = conn.execute(sa.select(T_NOTE).where(n.id == notification_id)).one()
    return _note(row, lang)


def _read_receipt(site: Site, conn: Connection, note: Any, login: str, now: datetime) -> None:
    p = site.org.people.get(login)
    name = p.name_zh if p else login
    audit.record(conn=conn, at=now, actor=login, kind="read", zh=f"{name}已阅催办通知：{note.title}",
                 en=f"{login} read the chase notice: {note.title_en}", instance_id=note.instance_id,
                 task_id=note.task_id, data={"notification": note.id})


# ------------------------------------------------------------------ calendar
def calendar_year(site: Site, *, year: int) -> dict:
    """A year's special days (holidays, make-up working days, overrides) and whether the year is known."""
    cal = site.cal
    return {"year": year, "year_known": cal.year_known(year), "days": cal.days(year)}


def set_calendar_day(site: Site, *, login: str, day: date, working: bool, note: str = "") -> dict:
    """An administrator marks a date working or not (CalendarOverride), audited; caches reloaded."""
    actor = site.actor(login)
    policy.require_admin(actor)
    c = T_CAL.c
    with db.write(site.eng) as conn:
        if conn.execute(T_CAL.update().where(c.day == day).values(working=working, note=note)).rowcount == 0:
            conn.execute(T_CAL.insert().values(day=day, working=working, note=note))
        _calendar_event(conn, login, site.clock.now(), day,
                        f"将 {day} 设为{'工作日' if working else '休息日'}{('：' + note) if note else ''}",
                        f"set {day} as a {'working day' if working else 'day off'}{(': ' + note) if note else ''}")
    _reload(site)
    return site.cal.describe_day(day)


def unset_calendar_day(site: Site, *, login: str, day: date) -> dict:
    """Remove an override (the statutory calendar applies again); NotFound when there is none."""
    policy.require_admin(site.actor(login))
    with db.write(site.eng) as conn:
        if conn.execute(T_CAL.delete().where(T_CAL.c.day == day)).rowcount == 0:
            raise NotFound(f"{day} 没有自定义设置", f"{day} has no override", {"date": day.isoformat()})
        _calendar_event(conn, login, site.clock.now(), day, f"取消 {day} 的自定义设置",
                        f"removed the override of {day}")
    _reload(site)
    return site.cal.describe_day(day)


def _calendar_event(conn: Connection, login: str, now: datetime, day: date, zh: str, en: str) -> None:
    audit.record(conn=conn, at=now, actor=login, kind="calendar", zh=zh, en=en, data={"date": day.isoformat()})


def _reload(site: Site) -> None:
    site.reload()
    warm(site)


def warm(site: Site) -> None:
    """Load the site's cached organisation, calendar and definitions now (before threads race to)."""
    site.org, site.cal, site.definitions()
