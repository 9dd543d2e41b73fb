"""Applies the core's effects in one transaction each: tasks, timers, audit events, entries, inbox and outbox."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from engine import actions, deadlines, dsl, machine
from engine.calendar import CalendarSettings, WorkCalendar
from engine.clock import Clock, SystemClock
from engine.fields import check_subject, to_json
from engine.loader import definitions_dir, parse_definition
from engine.messages import render
from engine.model import Actor, Effect, Entry, Event, ItemSnap, NewTask, Notify, UpdateItem, UpdateTask
from engine.org import Org
from engine.states import CARD_RANK, Card, Conflict, DubanError, ItemState, NotAllowed, NotFound, OPEN_TASK_STATES
from engine.store import db, repo
from engine.store.tables import Entry as EntryRow, Event as EventRow, Instance, Notification, Outbox, Person, Task, Timer

log = logging.getLogger("duban.runtime")
T_TASK, T_ITEM, T_EVENT, T_TIMER = Task.__table__, Instance.__table__, EventRow.__table__, Timer.__table__
T_NOTE, T_OUT, T_ENTRY = Notification.__table__, Outbox.__table__, EntryRow.__table__
CONFLICT_RETRIES = 3

# Statements built once, executed with parameter dicts: SQLAlchemy memoises a statement object's cache key, so
# the compiled SQL is found without rebuilding `.where(...).values(...)` on every call (which cost more than
# running it). The SET columns of the updates come from the parameters' keys; `_id`/`_version` are the WHERE.
INSERT_ITEM, INSERT_TASK, INSERT_EVENT = T_ITEM.insert(), T_TASK.insert(), T_EVENT.insert()
INSERT_TIMER, INSERT_NOTE, INSERT_OUT, INSERT_ENTRY = T_TIMER.insert(), T_NOTE.insert(), T_OUT.insert(), T_ENTRY.insert()
UPDATE_TASK = T_TASK.update().where(T_TASK.c.id == sa.bindparam("_id"), T_TASK.c.version == sa.bindparam("_version"))
UPDATE_ITEM = T_ITEM.update().where(T_ITEM.c.id == sa.bindparam("_id"), T_ITEM.c.version == sa.bindparam("_version"))
END_PENDING_TIMERS = T_TIMER.update().where(T_TIMER.c.task_id == sa.bindparam("_task"),
                                            T_TIMER.c.state == sa.bindparam("_pending", "pending"))
SERIAL_OF_ITEM = sa.select(T_ITEM.c.serial).where(T_ITEM.c.id == sa.bindparam("_id"))


@dataclass
class ActResult:
    task_id: int
    instance_id: int
    action: str
    events: int


class Site:
    """One Duban site: a database, a clock, the organisation, the calendar and the definitions."""

    def __init__(self, eng: Engine, clock: Clock | None = None, *, settings: CalendarSettings | None = None,
                 calendar_yaml: Path | None = None):
        self.eng, self.clock = eng, clock or SystemClock()
        self.settings = settings or CalendarSettings()
        self.calendar_yaml = calendar_yaml if calendar_yaml is not None else definitions_dir() / "calendar.yaml"
        self._defs: dict[tuple[str, int], dsl.Definition] = {}
        self._latest: dict[str, int] = {}
        self._org: Org | None = None
        self._cal: WorkCalendar | None = None
        self._emails: dict[str, list[str]] = {}

    # ------------------------------------------------------------ cached site data
    @property
    def org(self) -> Org:
        if self._org is None:
            with db.read(self.eng) as conn:
                self._org = repo.load_org(conn=conn)
                self._emails = {r.login: r.channels or [] for r in conn.execute(
                    sa.select(Person.__table__.c.login, Person.__table__.c.channels))}
        return self._org

    @property
    def cal(self) -> WorkCalendar:
        if self._cal is None:
            with db.read(self.eng) as conn:
                overrides = repo.calendar_overrides(conn=conn, yaml_path=self.calendar_yaml
                                                    if self.calendar_yaml.exists() else None)
            self._cal = WorkCalendar(overrides, self.settings)
        return self._cal

    def reload(self) -> None:
        """Forget cached organisation, calendar and definitions (after an admin changes them)."""
        self._org, self._cal = None, None
        self._defs, self._latest = {}, {}  # swapped, never cleared in place: readers in other threads

    def definition(self, key: str, version: int | None = None) -> dsl.Definition:
        if version is None:
            if key not in self._latest:
                self._load_definitions()
            if key not in self._latest:
                raise NotFound(f"没有流程定义“{key}”", f"no definition {key!r}", {"definition": key})
            version = self._latest[key]
        if (key, version) not in self._defs:
            self._load_definitions()
        return self._defs[(key, version)]

    def definitions(self) -> dict[str, dsl.Definition]:
        self._load_definitions()
        return {k: self._defs[(k, v)] for k, v in sorted(self._latest.items())}

    def _load_definitions(self) -> None:
        """Parse what is new and swap fresh dicts in (other threads may be reading the old ones)."""
        defs, latest = dict(self._defs), dict(self._latest)
        with db.read(self.eng) as conn:
            for r in repo.definition_sources(conn=conn):
                if (r.key, r.version) not in defs:
                    defs[(r.key, r.version)] = parse_definition(r.source, f"{r.key}@{r.version}")
                latest[r.key] = max(latest.get(r.key, 0), r.version)
        self._defs, self._latest = defs, latest

    def ctx(self, now: datetime | None = None) -> machine.Ctx:
        return machine.Ctx(org=self.org, cal=self.cal, now=now or self.clock.now())

    def actor(self, login: str) -> Actor:
        p = self.org.people.get(login)
        if p is None:
            raise NotFound(f"没有人员“{login}”", f"no person {login!r}", {"person": login})
        return Actor(login, p.unit, p.roles)

    def channels_of(self, login: str) -> list[str]:
        """A person's notification channels (Apprise URLs)."""
        self.org  # loads the channels with the organisation
        return self._emails.get(login, [])

    # ------------------------------------------------------------ starting and acting
    def start(self, definition: str, subject: dict, initiator: str) -> int:
        """Start an item (立项/登记): validate the subject, number it, enter the start step."""
        defn = self.definition(definition)
        actor = self.actor(initiator)
        clean = check_subject(defn.fields, subject, org=self.org)
        ctx = self.ctx()
        year = self.cal.local_date(ctx.now).year
        with db.write(self.eng) as conn:
            no = repo.next_serial(conn=conn, key=defn.id, year=year)
            title = str(clean.get(defn.title_field, ""))
            confidential = bool(clean.get(defn.confidential_field)) if defn.confidential_field else False
            serial = f"{defn.serial.prefix}〔{year}〕{no}号"
            iid = conn.execute(INSERT_ITEM, dict(
                definition_key=defn.id, definition_version=defn.version, serial_year=year, serial_no=no,
                serial=serial, title=title, subject=to_json(clean), state=ItemState.running, assignment={},
                initiator=actor.login, confidential=confidential, created_at=ctx.now, version=1,
            )).inserted_primary_key[0]
            item = ItemSnap(id=iid, definition=defn, subject=clean, state=ItemState.running, assignment={},
                            initiator=actor.login, current_step=None, tasks=[], title=title)
            item._serial = serial  # type: ignore[attr-defined]  # for notifications (see _serial)
            self.apply(conn, item, machine.start(item, ctx), actor.login, ctx, bump=False)
        return iid

    def act(self, task_id: int, action: str, login: str, data: dict | None = None, *,
            expected_version: int | None = None) -> ActResult:
        """Take an in-task action as `login`; one transaction; a stale `expected_version` is a Conflict."""
        actor = self.actor(login)
        for attempt in range(CONFLICT_RETRIES):
            ctx = self.ctx()
            try:
                with db.write(self.eng) as conn:
                    item = repo.load_item_of_task(conn=conn, task_id=task_id, definition_of=self.definition,
                                                  for_update=True)
                    iid = item.id
                    task = item.task(task_id)
                    if expected_version is not None and task.version != expected_version:
                        raise Conflict("该任务已被他人处理，请刷新后重试",
                                       "someone else changed this task first; reload and try again",
                                       {"task": task_id, "version": task.version})
                    expected_version = task.version
                    effects = actions.take(item, task, action, actor, dict(data or {}), ctx)
                    n = self.apply(conn, item, effects, login, ctx)
                return ActResult(task_id, iid, action, n)
            except _ItemMoved:
                continue  # another action on the same item committed first; our task is unchanged: retry
        raise Conflict("该事项正被频繁修改，请稍后重试", "the item is changing too fast; try again", {"task": task_id})

    # ------------------------------------------------------------ effects
    def apply(self, conn: Connection, item: ItemSnap, effects: list[Effect], actor: str | None,
              ctx: machine.Ctx, *, bump: bool = True) -> int:
        """Write effects; every write checks versions, so a stale snapshot changes nothing.

        Task writes happen in order (later effects name new tasks by ref); audit events, entries, inbox and
        outbox rows are collected in order and inserted together at the end, one statement per table."""
        refs: dict[str, int] = {}
        item_changes: dict[str, Any] = {}
        versions = {t.id: t.version for t in item.tasks}
        events: list[dict] = []
        entries: list[dict] = []
        notes: list[dict] = []
        out: list[dict] = []
        for e in effects:
            if isinstance(e, NewTask):
                tid = conn.execute(INSERT_TASK, dict(
                    instance_id=item.id, step=e.step, kind=e.kind, part=e.part, person=e.holder.person,
                    unit=e.holder.unit, role=e.holder.role, state=e.state, round=e.round, due_at=e.due_at,
                    created_at=ctx.now, from_task=e.from_task, sender=e.sender, card=e.card,
                    chase_count=e.chase_count, data=e.data, version=1)).inserted_primary_key[0]
                if e.ref:
                    refs[e.ref] = tid
                if e.kind == "work":
                    self._schedule(conn, item, tid, e.step, e.due_at, ctx.now)
            elif isinstance(e, UpdateTask):
                ch = dict(e.changes)
                if "data" in ch:
                    ch["data"] = _jsonable(ch["data"])
                res = conn.execute(UPDATE_TASK, {**ch, "version": versions[e.task_id] + 1,
                                                 "_id": e.task_id, "_version": versions[e.task_id]})
                if res.rowcount != 1:
                    raise Conflict("该任务已被他人处理，请刷新后重试",
                                   "someone else changed this task first; reload and try again", {"task": e.task_id})
                versions[e.task_id] += 1
                if ch.get("state") is not None and ch["state"] not in OPEN_TASK_STATES:
                    conn.execute(END_PENDING_TIMERS, {"_task": e.task_id, "state": "cancelled"})
                elif "due_at" in ch:
                    conn.execute(END_PENDING_TIMERS, {"_task": e.task_id, "state": "superseded"})
                    step = item.task(e.task_id).step
                    self._schedule(conn, item, e.task_id, step, ch["due_at"], ctx.now)
            elif isinstance(e, UpdateItem):
                item_changes.update(e.changes)
            elif isinstance(e, Event):
                events.append(dict(
                    instance_id=item.id, task_id=e.task_id or refs.get(e.task_ref or ""), at=ctx.now, actor=actor,
                    kind=e.kind, message_zh=e.zh, message_en=e.en, data=_jsonable(e.data)))
            elif isinstance(e, Entry):
                entries.append(dict(instance_id=item.id, task_id=e.task_id, person=actor or "system",
                                    kind=e.kind, text=e.text, percent=e.percent, at=ctx.now))
            elif isinstance(e, Notify):
                n_rows, n_out = self._notice_rows(conn, item, e, ctx.now, refs)
                notes += n_rows
                out += n_out
        for stmt, rows in ((INSERT_EVENT, events), (INSERT_ENTRY, entries), (INSERT_NOTE, notes), (INSERT_OUT, out)):
            if rows:
                conn.execute(stmt, rows)
        if "assignment" in item_changes:
            a = item_changes["assignment"]
            item_changes["lead_unit"] = (a.get("lead") or {}).get("unit")
            item_changes["due_at"] = machine.when_of(a.get("due"), self.cal)
        if "subject" in item_changes:
            item_changes["subject"] = to_json(item_changes["subject"])
        if bump or item_changes:
            res = conn.execute(UPDATE_ITEM, {**item_changes, "version": item.version + 1,
                                             "_id": item.id, "_version": item.version})
            if res.rowcount != 1:
                raise _ItemMoved()
            item.version += 1
        return len(events)

    def _schedule(self, conn: Connection, item: ItemSnap, task_id: int, step: str, due_at: datetime | None,
                  now: datetime) -> None:
        rules = item.definition.chase_rules_for(step)
        specs = deadlines.schedule(rules, due_at, now, self.cal)
        if specs:
            conn.execute(INSERT_TIMER, [
                {"key": s.key(task_id, due_at), "task_id": task_id, "instance_id": item.id, "kind": s.kind,
                 "seq": s.seq, "fire_at": s.fire_at, "state": "pending", "payload": s.payload, "attempts": 0}
                for s in specs])

    def notify(self, conn: Connection, item: ItemSnap, n: Notify, now: datetime, refs: dict[str, int]) -> int:
        """Inbox rows and outbox rows for everyone behind the holders, in the caller's transaction."""
        rows, out = self._notice_rows(conn, item, n, now, refs)
        if rows:
            conn.execute(INSERT_NOTE, rows)
        if out:
            conn.execute(INSERT_OUT, out)
        return len(rows)

    def _notice_rows(self, conn: Connection, item: ItemSnap, n: Notify, now: datetime,
                     refs: dict[str, int]) -> tuple[list[dict], list[dict]]:
        """The inbox rows and outbox rows of one notification (not yet written)."""
        logins = list(dict.fromkeys(x for h in n.holders for x in self.org.logins_of(h)))
        if not logins:
            return [], []
        params = {"item": item.title, "serial": _serial(conn, item), **n.params}
        t_zh, b_zh, t_en, b_en = render(n.template, params, self.cal.tz)
        task_id = n.task_id or refs.get(n.task_ref or "")
        rows = [{"person": p, "instance_id": item.id, "task_id": task_id, "kind": n.template, "title": t_zh,
                 "body": b_zh, "title_en": t_en, "body_en": b_en, "created_at": now} for p in logins]
        self.org  # ensure channels are cached
        out = [{"person": p, "channel": ch, "title": f"{t_zh} {t_en}", "body": f"{b_zh}\n{b_en}", "state": "pending",
                "attempts": 0, "next_attempt_at": now, "created_at": now}
               for p in logins for ch in self._emails.get(p, [])]
        return rows, out


class _ItemMoved(Exception):
    """The item's version moved under us (another action on a sibling task committed first)."""


def _serial(conn: Connection, item: ItemSnap) -> str:
    if not hasattr(item, "_serial"):
        item._serial = conn.execute(SERIAL_OF_ITEM, {"_id": item.id}).scalar()  # type: ignore[attr-defined]
    return item._serial  # type: ignore[attr-defined]


def _jsonable(v: Any) -> Any:
    from datetime import date

    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    return v
