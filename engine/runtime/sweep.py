"""The timer sweep: claims due timers and fires each at most once; one failure never stops the rest."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core import timers as deadlines
from engine.runtime.messages import render
from engine.core.org import Holder, resolve
from engine.runtime.site import Site
from engine.core.states import CARD_RANK, OPEN_TASK_STATES, Card, overdue_days
from engine.store import audit, db
from engine.store.tables import Event, Instance, Notification, Outbox, Person, Task, Timer

log = logging.getLogger("duban.sweep")
T_TIMER, T_TASK, T_ITEM = Timer.__table__, Task.__table__, Instance.__table__
T_EVENT, T_NOTE, T_OUT = Event.__table__, Notification.__table__, Outbox.__table__
OPEN = [s.value for s in OPEN_TASK_STATES]
RETRY_FAILED = 3


@dataclass
class Fired:
    timer_id: int
    task_id: int
    instance_id: int
    kind: str
    seq: int
    recipients: list[str]


@dataclass
class SweepResult:
    fired: list[Fired] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    stale: int = 0  # timers of tasks already closed: marked cancelled, nothing sent


class _Batch:
    """Rows collected while firing one batch, written together at the end."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.notes: list[dict] = []
        self.outbox: list[dict] = []
        self.timers: list[dict] = []
        self.task_updates: dict[int, dict] = {}
        self.item_cards: dict[int, str] = {}
        self.digest: dict[str, list[tuple[str, str]]] = defaultdict(list)

    def merge(self, other: "_Batch") -> None:
        for name in ("events", "notes", "outbox", "timers"):
            getattr(self, name).extend(getattr(other, name))
        for tid, ch in other.task_updates.items():
            self.task_updates.setdefault(tid, {}).update(ch)
        self.item_cards.update(other.item_cards)
        for login, lines in other.digest.items():
            self.digest[login].extend(lines)


def sweep(site: Site, *, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Fire every pending timer due at `now` (default: the site clock); return what fired."""
    now = now or site.clock.now()
    result = SweepResult()
    while True:
        with db.write(site.eng) as conn:
            rows = _claim(conn, now, batch_size)
            if not rows:
                break
            b = _Batch()
            tasks = {r.id: r for r in conn.execute(sa.select(T_TASK).where(T_TASK.c.id.in_({r.task_id for r in rows})))}
            items = {r.id: r for r in conn.execute(sa.select(
                T_ITEM.c.id, T_ITEM.c.title, T_ITEM.c.serial, T_ITEM.c.state, T_ITEM.c.card,
                T_ITEM.c.definition_key, T_ITEM.c.definition_version).where(
                T_ITEM.c.id.in_({r.instance_id for r in rows})))}
            digest_people = _digest_people(conn)
            for t in rows:
                task, item = tasks.get(t.task_id), items.get(t.instance_id)
                if task is None or item is None or task.state not in OPEN or item.state != "running":
                    conn.execute(T_TIMER.update().where(T_TIMER.c.id == t.id).values(state="cancelled"))
                    result.stale += 1
                    continue
                one = _Batch()
                try:
                    if t.kind == "timeout":  # the only kind that writes at once: its writes roll back alone
                        with conn.begin_nested():
                            recipients = _fire(site, conn, one, t, task, item, now, digest_people, b)
                    else:  # the others only collect rows, written with the batch
                        recipients = _fire(site, conn, one, t, task, item, now, digest_people, b)
                except Exception as e:  # one failing timer is logged and never stops the rest
                    log.exception("timer %s (%s) failed", t.id, t.key)
                    result.failed.append((t.id, str(e)))
                    retry = t.attempts + 1 < RETRY_FAILED
                    conn.execute(T_TIMER.update().where(T_TIMER.c.id == t.id).values(
                        state="pending" if retry else "failed", attempts=t.attempts + 1, error=str(e)[:2000],
                        fire_at=_later(now, t.attempts) if retry else t.fire_at))
                    continue
                b.merge(one)
                result.fired.append(Fired(t.id, t.task_id, t.instance_id, t.kind, t.seq, recipients))
            _write(site, conn, b, now)
    return result


def _later(now: datetime, attempts: int) -> datetime:
    from datetime import timedelta
    return now + timedelta(minutes=5 * (attempts + 1))


def _claim(conn: Connection, now: datetime, limit: int) -> list[Any]:
    """Due timers, claimed: on PostgreSQL item rows then timers are locked with SKIP LOCKED (the same
    order user actions take), so two sweepers never fire one timer and never deadlock with users."""
    c = T_TIMER.c
    due = sa.and_(c.state == "pending", c.fire_at <= now)
    if db.is_postgres(conn):
        ids = list(conn.execute(sa.select(c.instance_id).where(due).group_by(c.instance_id)
                                .order_by(sa.func.min(c.fire_at)).limit(limit)).scalars())
        if not ids:
            return []
        locked = list(conn.execute(sa.select(T_ITEM.c.id).where(T_ITEM.c.id.in_(ids))
                                   .with_for_update(skip_locked=True)).scalars())
        if not locked:
            return []
        q = sa.select(T_TIMER).where(due, c.instance_id.in_(locked)).order_by(c.fire_at, c.id).limit(limit) \
            .with_for_update(skip_locked=True)
    else:
        q = sa.select(T_TIMER).where(due).order_by(c.fire_at, c.id).limit(limit)
    rows = list(conn.execute(q))
    if rows:
        conn.execute(T_TIMER.update().where(c.id.in_([r.id for r in rows])).values(state="fired", fired_at=now))
    return rows


def _digest_people(conn: Connection) -> set[str]:
    p = Person.__table__.c
    return set(conn.execute(sa.select(p.login).where(p.digest.is_(True))).scalars())


def _fire(site: Site, conn: Connection, b: _Batch, t: Any, task: Any, item: Any, now: datetime,
          digest_people: set[str], done: _Batch) -> list[str]:
    """One timer's effects, collected into `b` (`done` holds the batch so far). Returns the people told."""
    org, cal = site.org, site.cal
    defn = site.definition(item.definition_key, item.definition_version)
    rules = defn.chase_rules_for(task.step)
    holder = Holder(person=task.person, unit=task.unit, role=task.role)
    overdue = overdue_days(task.due_at, now, cal)
    params: dict[str, Any] = {"item": item.title, "serial": item.serial, "due": task.due_at, "overdue": overdue,
                              "holder": org.holder_name(holder), "holder_en": org.holder_name(holder, "en")}
    to: list[Holder] = [holder]
    upd = b.task_updates.setdefault(task.id, {})
    before = done.task_updates.get(task.id, {})
    if t.kind == "remind":
        zh, en = f"到期提醒（{_local(task.due_at, cal)} 到期）", f"reminder (due {_local(task.due_at, cal)})"
    elif t.kind == "due":
        zh, en = "到期通知", "due-time notice"
    elif t.kind == "chase":
        upd["chase_count"] = before.get("chase_count", task.chase_count) + 1
        zh, en = f"系统催办（第 {t.seq} 次，超期 {overdue} 个工作日）", f"chase #{t.seq} ({overdue} working days overdue)"
        nxt = deadlines.next_chase(rules, t.fire_at, t.seq + 1, cal) if rules else None
        while nxt is not None and nxt.fire_at <= now:  # after downtime: coalesce missed chases into this one
            nxt = deadlines.next_chase(rules, nxt.fire_at, nxt.seq + 1, cal)
        if nxt is not None:
            b.timers.append({"key": nxt.key(task.id, task.due_at), "task_id": task.id, "instance_id": item.id,
                             "kind": "chase", "seq": nxt.seq, "fire_at": nxt.fire_at, "state": "pending",
                             "payload": nxt.payload, "attempts": 0})
    elif t.kind == "escalate":
        card = t.payload["card"]
        current = before.get("card", task.card)
        if CARD_RANK[Card(card)] > CARD_RANK[Card(current)]:
            upd["card"] = card
        item_card = done.item_cards.get(item.id, item.card)
        if CARD_RANK[Card(card)] > CARD_RANK[Card(item_card)]:
            b.item_cards[item.id] = card
        params["card"] = card
        to = resolve(t.payload["to"], org=org, subject={}, assignment={}, initiator=None) + [holder]
        label = "黄牌" if card == "yellow" else "红牌"
        zh, en = f"超期 {overdue} 个工作日，亮{label}，升级至{org.holder_name(to[0])}", \
            f"{overdue} working days overdue: {card} card, escalated to {org.holder_name(to[0], 'en')}"
    elif t.kind == "timeout":
        return _timeout(site, conn, t, task, item, now)
    else:
        raise ValueError(f"unknown timer kind {t.kind!r}")
    b.events.append({"instance_id": item.id, "task_id": task.id, "at": now, "actor": None, "kind": t.kind,
                     "message_zh": f"{params['holder']}：{zh}", "message_en": f"{params['holder_en']}: {en}", "data": {"timer": t.id, "seq": t.seq}})
    people = list(dict.fromkeys(p for h in to for p in org.logins_of(h)))
    title_zh, body_zh, title_en, body_en = render(t.kind, params, cal.tz)
    for p in people:
        if p in digest_people and t.kind in ("remind", "due", "chase"):
            b.digest[p].append((f"{item.serial}《{item.title}》{body_zh}", f"{item.serial} {body_en}"))
            continue
        b.notes.append({"person": p, "instance_id": item.id, "task_id": task.id, "kind": t.kind, "title": title_zh,
                        "body": body_zh, "title_en": title_en, "body_en": body_en, "created_at": now, "read_at": None})
        for ch in site.channels_of(p):
            b.outbox.append({"person": p, "channel": ch, "title": f"{title_zh} {title_en}", "body": f"{body_zh}\n{body_en}",
                             "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
                             "notification_id": None, "last_error": None, "sent_at": None})
    return people


def _timeout(site: Site, conn: Connection, t: Any, task: Any, item: Any, now: datetime) -> list[str]:
    """Timeout actions go through the ordinary machine (they change who holds the task)."""
    from engine.core.timeouts import timeout_effects
    from engine.store import items as item_store

    snap = item_store.load_item(conn=conn, item_id=item.id, definition_of=site.definition)
    effects = timeout_effects(snap, snap.task(task.id), t.payload, site.ctx(now))
    site.apply(conn, snap, effects, None, site.ctx(now))
    return [p for e in effects for h in getattr(e, "holders", []) for p in site.org.logins_of(h)]


def _write(site: Site, conn: Connection, b: _Batch, now: datetime) -> None:
    for login, lines in b.digest.items():
        title_zh, body_zh, title_en, body_en = render(
            "digest", {"count": len(lines), "lines": [x for x, _ in lines], "lines_en": [y for _, y in lines]},
            site.cal.tz)
        b.notes.append({"person": login, "instance_id": None, "task_id": None, "kind": "digest", "title": title_zh,
                        "body": body_zh, "title_en": title_en, "body_en": body_en, "created_at": now, "read_at": None})
        for ch in site.channels_of(login):
            b.outbox.append({"person": login, "channel": ch, "title": f"{title_zh} {title_en}",
                             "body": f"{body_zh}\n{body_en}", "state": "pending", "attempts": 0,
                             "next_attempt_at": now, "created_at": now, "notification_id": None,
                             "last_error": None, "sent_at": None})
    audit.append(conn=conn, events=b.events)
    if b.notes:
        conn.execute(T_NOTE.insert(), b.notes)
    if b.outbox:
        conn.execute(T_OUT.insert(), b.outbox)
    if b.timers:
        conn.execute(T_TIMER.insert(), b.timers)
    by_shape: dict[tuple, list[dict]] = defaultdict(list)
    for tid, ch in b.task_updates.items():
        if ch:
            by_shape[tuple(sorted(ch))].append({"_id": tid, **{f"_{k}": v for k, v in ch.items()}})
    for keys, rows in by_shape.items():
        conn.execute(T_TASK.update().where(T_TASK.c.id == sa.bindparam("_id"))
                     .values({k: sa.bindparam(f"_{k}") for k in keys}), rows)
    if b.item_cards:
        conn.execute(T_ITEM.update().where(T_ITEM.c.id == sa.bindparam("_id")).values(card=sa.bindparam("_card")),
                     [{"_id": i, "_card": c} for i, c in b.item_cards.items()])


def _local(when: datetime | None, cal: Any) -> str:
    return when.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M") if when else "-"
