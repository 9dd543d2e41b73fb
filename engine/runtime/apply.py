"""Effects → rows, in the caller's transaction: the one write path of user actions, starts, stages and every kind
of fired timer.

Task and item writes check versions, so a stale snapshot changes nothing. Audit events, entries, inbox and outbox
rows, armed timers and bookkeeping touches (chase counts, cards) are collected in a `Writes` and inserted together,
one statement per table: at the end of `apply`, or, for the sweep, once per batch of timers."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from engine.core import checkpoints, machine, proxies as proxy_rules, search as search_rules, timers
from engine.core.codec import to_json
from engine.core.queue_order import urgency_rank
from engine.core.org import Holder
from engine.core.model import (
    ArmTimer, Call, Effect, Entry, Event, ItemSnap, NewChild, NewTask, Notify, RunStage, UpdateItem, UpdateTask,
)
from engine.core.states import Conflict, ItemState, OPEN_TASK_STATES
from engine.runtime import links, parts
from engine.runtime.messages import digested, link_lines, render
from engine.store import (
    attachments as attachment_store, audit, inbox, items as item_store, proxies as proxy_store, search as search_store,
    timers as timer_store,
)
from engine.store.db import Connection

# snapshot fields a bookkeeping touch refreshes, so later timers of the same batch see them
TOUCHED = ("chase_count", "card", "last_chased_at")


class ItemMoved(Exception):
    """The item's version moved under us (another action on a sibling task committed first)."""


class Writes:
    """Rows collected while applying effects, written together by `flush`. With `digest_people`, the reminders,
    due notices and chases to those people become one digest per flush instead."""

    def __init__(self, digest_people: set[str] | frozenset[str] = frozenset()) -> None:
        self.digest_people = digest_people
        self.reset()

    def reset(self) -> None:
        self.events: list[dict] = []
        self.entries: list[dict] = []
        self.notes: list[dict] = []
        self.outbox: list[dict] = []
        self.links: list[dict] = []  # one-tap link rows (engine.runtime.links)
        self.timers: list[dict] = []
        self.tasks: dict[int, dict] = defaultdict(dict)  # unversioned touches, merged per row
        self.items: dict[int, dict] = defaultdict(dict)
        self.digest: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.told: list[str] = []  # the people notified, in order (repeats possible)

    def merge(self, other: "Writes") -> None:
        for name in ("events", "entries", "notes", "outbox", "links", "timers", "told"):
            getattr(self, name).extend(getattr(other, name))
        for mine, theirs in ((self.tasks, other.tasks), (self.items, other.items)):
            for rid, ch in theirs.items():
                mine[rid].update(ch)
        for login, lines in other.digest.items():
            self.digest[login].extend(lines)

    def flush(self, site: Any, conn: Connection, now: datetime) -> None:
        for login, lines in self.digest.items():
            t_zh, b_zh, t_en, b_en = render("digest", {"count": len(lines), "lines": [x for x, _ in lines],
                                                       "lines_en": [y for _, y in lines]}, site.cal.tz)
            text = (t_zh, b_zh, t_en, b_en)
            url = links.url_of("/tasks")
            self.notes.append(_note(login, None, None, "digest", _with_link(text, url or "/tasks"), now))
            self.outbox += [_out(login, ch, text, now, url, note) for ch, note in site.routes_of(login)]
        item_store.insert_entries(conn=conn, rows=self.entries)
        inbox.add(conn=conn, notes=self.notes, outbox=self.outbox, links=self.links)
        timer_store.insert(conn=conn, rows=self.timers)
        item_store.touch(conn=conn, table="task", changes=self.tasks)
        item_store.touch(conn=conn, table="item", changes=self.items)
        audit.append(conn=conn, events=self.events)  # last: it takes the audit chain's head until commit
        self.reset()


def apply(site: Any, conn: Connection, item: ItemSnap, effects: list[Effect], actor: str | None,
          ctx: machine.Ctx, *, bump: bool = True, writes: Writes | None = None) -> int:
    """Write effects in order (later effects name new tasks by ref); returns the number of audit events.

    A step's hook (a Call) runs where it stands and may add effects or refuse; automatic stages entered run last.
    Without `writes` the collected rows are written before returning; with it, they wait for its flush."""
    w = writes if writes is not None else Writes()
    effects = list(effects)
    stages: list[RunStage] = []
    refs: dict[str, int] = {}
    item_changes: dict[str, Any] = {}
    snaps = {t.id: t for t in item.tasks}
    created: list[Holder] = []  # holders of the tasks these effects create (they are told as involved)
    moved: dict[int, datetime] = {}  # due times moved by these effects
    versions = {t.id: t.version for t in item.tasks}
    n_events = len(w.events)
    i = 0
    while i < len(effects):
        e = effects[i]
        i += 1
        if isinstance(e, Event):  # the most frequent effects first
            w.events.append(dict(
                instance_id=item.id, task_id=e.task_id or refs.get(e.task_ref or ""), at=ctx.now, actor=actor,
                kind=e.kind, message_zh=e.zh, message_en=e.en, data=to_json(e.data)))
        elif isinstance(e, Notify):
            w.told += notice(site, conn, item, e, ctx.now, refs, w, created)
        elif isinstance(e, Entry):
            row = dict(instance_id=item.id, task_id=e.task_id, person=actor or "system", kind=e.kind, text=e.text,
                       percent=e.percent, at=ctx.now)
            if e.attachments:  # written now: its files are linked to its id
                attachment_store.insert_entry_with(conn=conn, row=row, ids=e.attachments, origin=e.origin or "item")
            else:
                w.entries.append(row)
        elif isinstance(e, Call):  # a step's hook, in order: what it adds comes right after it
            more = site.plugins.hook(e.hook)(site, conn, item, e, ctx)
            effects[i:i] = list(more or [])
        elif isinstance(e, NewTask):
            tid = item_store.insert_task(conn=conn, row=dict(
                instance_id=item.id, step=e.step, kind=e.kind, part=e.part, person=e.holder.person,
                unit=e.holder.unit, role=e.holder.role, state=e.state, round=e.round, due_at=e.due_at,
                created_at=ctx.now, from_task=e.from_task, sender=e.sender, card=e.card,
                chase_count=e.chase_count, data=e.data, version=1,
                urgency=urgency_rank(item.subject)))  # its place in 我的待办 (engine.store.open_queue)
            if e.ref:
                refs[e.ref] = tid
            created.append(e.holder)
            if e.kind in ("work", "reading", "rating"):
                w.timers += [_timer_row(a, item.id) for a in timers.arm_task(
                    item, tid, e.step, e.due_at, ctx, chase_count=e.chase_count, data=e.data)]
                if e.kind == "work":  # milestones (节点) and report windows (定期反馈)
                    w.timers += [_timer_row(a, item.id) for a in checkpoints.arm(
                        item, tid, e.step, e.part, e.due_at, ctx.now, ctx)]
        elif isinstance(e, UpdateTask) and not e.bump:
            w.tasks[e.task_id].update(e.changes)
            snap = snaps.get(e.task_id)
            for k in TOUCHED:
                if snap is not None and k in e.changes:
                    setattr(snap, k, e.changes[k])
        elif isinstance(e, UpdateTask):
            ch = dict(e.changes)
            if "data" in ch:
                ch["data"] = to_json(ch["data"])
            closing = ch.get("state") is not None and ch["state"] not in OPEN_TASK_STATES
            if closing:
                ch.setdefault("closed_by", actor)  # who closed it (None: the system), for the appraisal
            if not item_store.update_task(conn=conn, task_id=e.task_id, version=versions[e.task_id], changes=ch):
                raise Conflict("该任务已被他人处理，请刷新后重试",
                               "someone else changed this task first; reload and try again", {"task": e.task_id})
            versions[e.task_id] += 1
            if e.task_id in snaps:
                snaps[e.task_id].version = versions[e.task_id]
            if closing:
                timer_store.end_pending(conn=conn, task_id=e.task_id, state="cancelled")
            elif e.reopen:
                timer_store.revive(conn=conn, task_id=e.task_id, after=ctx.now)
            elif "due_at" in ch:
                moved[e.task_id] = ch["due_at"]
                timer_store.end_pending(conn=conn, task_id=e.task_id, state="superseded")
                task = item.task(e.task_id)
                w.timers += [_timer_row(a, item.id) for a in timers.arm_task(
                    item, e.task_id, task.step, ch["due_at"], ctx, chase_count=task.chase_count, data=task.data)]
                if task.kind == "work":
                    w.timers += [_timer_row(a, item.id) for a in checkpoints.arm(
                        item, e.task_id, task.step, task.part, ch["due_at"], task.created_at, ctx)]
        elif isinstance(e, UpdateItem) and not e.bump:
            w.items[item.id].update(e.changes)
            if "card" in e.changes:
                item.card = e.changes["card"]
        elif isinstance(e, UpdateItem):
            item_changes.update(e.changes)
        elif isinstance(e, ArmTimer):
            w.timers.append(_timer_row(e, item.id))
        elif isinstance(e, RunStage):
            stages.append(e)
        elif isinstance(e, NewChild):  # 任务分解: the part is an item of its own, opened in this transaction
            child, opening, opened = parts.open_child(site, conn, item, e, actor, ctx)
            apply(site, conn, child, opening, actor, ctx, bump=False)
            w.events.append(opened)
        if i == len(effects) and moved:  # after the last effect: cards of tasks no longer overdue come down
            effects += timers.cards_after_move(item, moved, ctx.now)
            moved = {}
    n = len(w.events) - n_events
    if "assignment" in item_changes:
        a = item_changes["assignment"]
        lead = a.get("lead") or {}
        person = site.org.people.get(lead.get("person") or "")
        item_changes["lead_unit"] = lead.get("unit") or (person.unit if person else None)
        item_changes["due_at"] = machine.when_of(a.get("due"), site.cal)
    subject = item_changes.get("subject")
    if subject is not None:
        item_changes["subject"] = to_json(subject)
    if bump or item_changes:
        if not item_store.update_item(conn=conn, item_id=item.id, version=item.version, changes=item_changes):
            raise ItemMoved()
        item.version += 1
    if writes is None:  # after the item's row (held already), so the audit head is held for the fewest statements
        w.flush(site, conn, ctx.now)
    if subject is not None or "title" in item_changes:  # searchable text changed: its documents, same transaction
        d = item.definition
        search_store.index_item(conn=conn, item_id=item.id, serial=item_store.serial_of(conn=conn, item=item),
                                title=item_changes.get("title", item.title), subject=subject or item.subject,
                                searched=search_rules.text_fields(d.fields), title_field=d.title_field, at=ctx.now)
    for s in stages:
        n += run_stage(site, conn, item, s, ctx, writes=writes)
    return n


def run_stage(site: Any, conn: Connection, item: ItemSnap, s: RunStage, ctx: machine.Ctx, *,
              writes: Writes | None = None) -> int:
    """Run an automatic stage in the caller's transaction and move on; a per-unit stage under
    DUBAN_STAGES=external only waits (an outside runner does the units, then calls leave_stage)."""
    fn = site.plugins.stage(s.stage)
    if site.plugins.per_unit(s.stage) and not site.stages_inline:
        return 0
    fresh = item_store.load_item(conn=conn, item_id=item.id, definition_of=site.definition)
    if fresh.state != ItemState.running or fresh.current_step != s.step:
        return 0
    site.bind(ctx, conn)
    more = list(fn(site, conn, fresh, ctx) or [])
    return apply(site, conn, fresh, more + machine.leave_stage(fresh, s.step, ctx), None, ctx, writes=writes)


def notice(site: Any, conn: Connection, item: ItemSnap, n: Notify, now: datetime, refs: dict[str, int],
           w: Writes, created: list[Holder] | None = None) -> list[str]:
    """The inbox and outbox rows of one notification, for everyone behind its holders (digest people's reminders,
    chases and escalations go to their digest: messages.digested); returns the people told. Who is told is
    engine.core.proxies.recipients: the people behind the holders, their stand-ins for chases and escalations, and
    only those who may see the item."""
    logins = list(dict.fromkeys(x for h in n.holders for x in site.org.logins_of(h)))
    logins = proxy_rules.recipients(site.org, item, item_store.confidential_of(item), logins, n.template,
                                    proxy_store.active_proxies(conn=conn, now=now), now,
                                    created or []) if logins else []
    if not logins:
        return []
    serial = item_store.serial_of(conn=conn, item=item)
    task_id = n.task_id or refs.get(n.task_ref or "")
    params = {"item": item.title, "serial": serial, **n.params}
    task = next((t for t in item.tasks if t.id == task_id), None) if task_id else None
    if task is not None and "due_at" not in params and "due" not in params:
        params["due_at"] = task.due_at  # a chase says by when
    text = render(n.template, params, site.cal.tz, now)
    for p in logins:
        if p in w.digest_people and digested(n.template):
            w.digest[p].append((f"{serial}《{item.title}》{text[1]}", f"{serial} {text[3]}"))
            continue
        if task_id and n.template in links.LINK_ACTIONS:  # a one-tap link for this recipient
            token, row = links.issue(person=p, item_id=item.id, task_id=task_id, kind=n.template, now=now)
            w.links.append(row)
            path = f"/go/{token}"
        else:
            path = f"/items/{item.id}"
        url = links.url_of(path)
        w.notes.append(_note(p, item.id, task_id, n.template, _with_link(text, url or path), now))
        w.outbox += [_out(p, ch, text, now, url, note) for ch, note in site.routes_of(p)]
    return logins


def _with_link(text: tuple[str, str, str, str], url: str) -> tuple[str, str, str, str]:
    zh, en = link_lines(url)
    return text[0], f"{text[1]}\n{zh}", text[2], f"{text[3]}\n{en}"


def _note(person: str, item_id: int | None, task_id: int | None, kind: str, text: tuple[str, str, str, str],
          now: datetime) -> dict:
    t_zh, b_zh, t_en, b_en = text
    return {"person": person, "instance_id": item_id, "task_id": task_id, "kind": kind, "title": t_zh,
            "body": b_zh, "title_en": t_en, "body_en": b_en, "created_at": now}


def _out(person: str, channel: str, text: tuple[str, str, str, str], now: datetime, url: str | None = None,
         note: str | None = None) -> dict:
    """An outbox row: both languages, then the link (when DUBAN_BASE_URL is set) as the last line."""
    t_zh, b_zh, t_en, b_en = text
    body = f"{b_zh}\n{b_en}" + (f"\n{url}" if url else "")
    return {"person": person, "channel": channel, "title": f"{t_zh} {t_en}", "body": body, "link": url,
            "note": note, "state": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}


def _timer_row(a: ArmTimer, item_id: int) -> dict:
    return {"key": a.key, "task_id": a.task_id, "instance_id": item_id, "kind": a.kind, "seq": a.seq,
            "fire_at": a.fire_at, "state": "pending", "payload": a.payload, "attempts": 0}


def tell(site: Any, w: Writes, people: list[str], kind: str, text: tuple[str, str, str, str], now: datetime,
         item_id: int | None = None, url: str | None = None) -> None:
    """Inbox and outbox rows of one rendered message (engine.runtime.messages.render) for each person, collected in
    `w` (for a notice that belongs to no effect, e.g. a scheduled bulletin); `url` (under DUBAN_BASE_URL) ends the
    outside messages, and each person's preferred channel decides where they go (site.routes_of)."""
    for p in people:
        w.notes.append(_note(p, item_id, None, kind, text, now))
        w.outbox += [_out(p, ch, text, now, url, note) for ch, note in site.routes_of(p)]
