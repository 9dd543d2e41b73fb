"""Applies the core's effects in one transaction each: tasks, timers, audit events, entries, inbox and outbox."""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from engine.core.actions import dispatch as actions
from engine.core import timers as deadlines, dsl, machine
from engine.core.calendar import CalendarSettings, WorkCalendar
from engine.clock import Clock, SystemClock, monotonic
from engine.core.codec import to_json
from engine.core.fields import check_subject
from engine.parser.definition import parse_definition
from engine.parser.calendar_file import CalendarFile, load_calendar_file
from engine.parser.loader import definitions_dir
from engine.runtime.messages import render
from engine.core.model import (
    Actor, Effect, Entry, Event, ItemSnap, NewTask, Notify, RunStage, UpdateItem, UpdateTask, Call,
)
from engine.core.org import Org
from engine.core.states import Conflict, DubanError, ItemState, NotFound, OPEN_TASK_STATES
from engine.store import audit, db, calendar as calendar_store, definitions as definition_store, items as item_store, org as org_store
from engine.settings import settings as env_settings
from engine.store.tables import (
    Entry as EntryRow, Event as EventRow, Instance, Notification, Outbox, PeriodRun, Person, Task, Timer,
)

log = logging.getLogger("duban.runtime")
T_TASK, T_ITEM, T_EVENT, T_TIMER = Task.__table__, Instance.__table__, EventRow.__table__, Timer.__table__
T_NOTE, T_OUT, T_ENTRY = Notification.__table__, Outbox.__table__, EntryRow.__table__
CONFLICT_RETRIES = 3

# Statements built once, executed with parameter dicts: SQLAlchemy memoises a statement object's cache key, so
# the compiled SQL is found without rebuilding `.where(...).values(...)` on every call (which cost more than
# running it). The SET columns of the updates come from the parameters' keys; `_id`/`_version` are the WHERE.
INSERT_ITEM, INSERT_TASK = T_ITEM.insert(), T_TASK.insert()
INSERT_TIMER, INSERT_NOTE, INSERT_OUT, INSERT_ENTRY = T_TIMER.insert(), T_NOTE.insert(), T_OUT.insert(), T_ENTRY.insert()
UPDATE_TASK = T_TASK.update().where(T_TASK.c.id == sa.bindparam("_id"), T_TASK.c.version == sa.bindparam("_version"))
UPDATE_ITEM = T_ITEM.update().where(T_ITEM.c.id == sa.bindparam("_id"), T_ITEM.c.version == sa.bindparam("_version"))
END_PENDING_TIMERS = T_TIMER.update().where(T_TIMER.c.task_id == sa.bindparam("_task"),
                                            T_TIMER.c.state == sa.bindparam("_pending", "pending"))
SERIAL_OF_ITEM = sa.select(T_ITEM.c.serial).where(T_ITEM.c.id == sa.bindparam("_id"))
T_PERIOD = PeriodRun.__table__


# ---------------------------------------------------------------- engine lists, stages and hooks
# Named functions that do I/O for the pure core, in the caller's transaction (registered by engine plugins such as
# engine.appraisal, imported on first use):
#   list:  (site, conn, item) -> [{"holder": {...}, "data": {...}}]   the entries of a step's `each`
#   stage: (site, conn, item, ctx) -> [effects]                        an `auto` step's `compute` with `stage`
#   hook:  (site, conn, item, call, ctx) -> [effects]                  a step's `hooks` for an action; may refuse
LISTS: dict[str, Callable[..., list[dict]]] = {}
STAGES: dict[str, Callable[..., Any]] = {}
HOOKS: dict[str, Callable[..., Any]] = {}
PLUGINS = ("engine.appraisal.hooks",)
_plugins_loaded = False


def register_list(name: str) -> Callable:
    return lambda fn: LISTS.setdefault(name, fn)


def register_stage(name: str, *, per_unit: bool = False) -> Callable:
    """`per_unit` stages may run outside the process (DUBAN_STAGES=external): the item then waits until
    `Site.leave_stage` is called for it."""
    def deco(fn: Callable) -> Callable:
        fn.per_unit = per_unit  # type: ignore[attr-defined]
        return STAGES.setdefault(name, fn)
    return deco


def register_hook(name: str) -> Callable:
    return lambda fn: HOOKS.setdefault(name, fn)


def engine_function(table: dict[str, Callable], name: str, what: tuple[str, str]) -> Callable:
    """A registered list, stage or hook by name (plugins are imported on first use)."""
    global _plugins_loaded
    if name not in table and not _plugins_loaded:
        for mod in PLUGINS:
            try:
                importlib.import_module(mod)
            except ImportError as e:  # a site without that plugin
                if e.name != mod and not mod.startswith(str(e.name)):
                    raise
        _plugins_loaded = True
    if name not in table:
        raise DubanError(f"引擎中没有名为“{name}”的{what[0]}", f"the engine has no {what[1]} named {name!r}",
                         {"name": name})
    return table[name]


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
        self.settings = settings or CalendarSettings(due_on_day_off=env_settings().due_on_day_off)
        self.calendar_yaml = calendar_yaml if calendar_yaml is not None else definitions_dir() / "calendar.yaml"
        self._defs: dict[tuple[str, int], dsl.Definition] = {}
        self._latest: dict[str, int] = {}
        self._org: Org | None = None
        self._cal: WorkCalendar | None = None
        self._emails: dict[str, list[str]] = {}
        # replicas see another replica's organisation, calendar and definition changes within this many seconds
        self.cache_seconds = env_settings().cache_seconds
        self._loaded_at = monotonic()
        # per-unit automatic stages (appraisal metrics and scores) run in-process unless DUBAN_STAGES=external,
        # where a runner (Prefect) maps them over units and then calls leave_stage
        self.stages_inline = env_settings().stages != "external"

    # ------------------------------------------------------------ cached site data
    def _expire(self) -> None:
        if monotonic() - self._loaded_at > self.cache_seconds:
            self._loaded_at = monotonic()
            self._org, self._cal, self._latest = None, None, {}  # parsed definition versions never change

    @property
    def org(self) -> Org:
        self._expire()
        if self._org is None:
            with db.read(self.eng) as conn:
                self._org = org_store.load_org(conn=conn)
                self._emails = {r.login: r.channels or [] for r in conn.execute(
                    sa.select(Person.__table__.c.login, Person.__table__.c.channels))}
        return self._org

    @property
    def cal(self) -> WorkCalendar:
        self._expire()
        if self._cal is None:
            cal_file = load_calendar_file(self.calendar_yaml) if self.calendar_yaml.exists() else CalendarFile()
            with db.read(self.eng) as conn:
                overrides = {**cal_file.overrides, **calendar_store.calendar_overrides(conn=conn)}
            self._cal = WorkCalendar(overrides, self.settings, cal_file.complete_years)
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
            for r in definition_store.definition_sources(conn=conn):
                if (r.key, r.version) not in defs:
                    defs[(r.key, r.version)] = parse_definition(r.source, f"{r.key}@{r.version}")
                latest[r.key] = max(latest.get(r.key, 0), r.version)
        self._defs, self._latest = defs, latest

    def ctx(self, now: datetime | None = None, conn: Connection | None = None) -> machine.Ctx:
        """What the core may consult now; with `conn`, engine lists read inside that transaction."""
        ctx = machine.Ctx(org=self.org, cal=self.cal, now=now or self.clock.now())
        return self._bind(ctx, conn)

    def _bind(self, ctx: machine.Ctx, conn: Connection | None) -> machine.Ctx:
        def lists(name: str, item: ItemSnap) -> list[dict]:
            fn = engine_function(LISTS, name, ("名单", "list"))
            if conn is not None:
                return fn(self, conn, item)
            with db.read(self.eng) as c:
                return fn(self, c, item)
        ctx.lists = lists
        return ctx

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
        with db.write(self.eng) as conn:
            return self._start(conn, defn, actor, clean, self._bind(ctx, conn))

    def start_once(self, definition: str, subject: dict, initiator: str, *, key: str) -> tuple[int, bool]:
        """Start an item at most once per `key` (e.g. `appraisal_quarterly:2026Q1`): the key is inserted first in
        the same transaction, so a second caller (a restart, another scheduler, a person) gets a unique
        violation and the existing item instead. Returns (item id, started now)."""
        defn = self.definition(definition)
        actor = self.actor(initiator)
        clean = check_subject(defn.fields, subject, org=self.org)
        ctx = self.ctx()
        try:
            with db.write(self.eng) as conn:
                conn.execute(T_PERIOD.insert(), {"key": key, "instance_id": None, "started_at": ctx.now})
                iid = self._start(conn, defn, actor, clean, self._bind(ctx, conn))
                conn.execute(T_PERIOD.update().where(T_PERIOD.c.key == key).values(instance_id=iid))
            return iid, True
        except sa.exc.IntegrityError:
            with db.read(self.eng) as conn:
                existing = conn.execute(sa.select(T_PERIOD.c.instance_id).where(T_PERIOD.c.key == key)).first()
            if existing is None:
                raise
            return existing.instance_id, False

    def _start(self, conn: Connection, defn: dsl.Definition, actor: Actor, clean: dict, ctx: machine.Ctx) -> int:
        year = self.cal.local_date(ctx.now).year
        no = item_store.next_serial(conn=conn, key=defn.id, year=year)
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

    def leave_stage(self, item_id: int, stage: str, *,
                    check: Callable[[Connection, ItemSnap], None] | None = None) -> bool:
        """Move an item past the automatic step that runs `stage` (after an outside runner did the stage's work);
        `check` may refuse inside the transaction. False if the item is not waiting at such a step."""
        with db.write(self.eng) as conn:
            item = item_store.load_item(conn=conn, item_id=item_id, definition_of=self.definition, for_update=True)
            step = item.definition.steps.get(item.current_step or "")
            if item.state != ItemState.running or not isinstance(step, dsl.AutoStep) or step.stage != stage:
                return False
            if check is not None:
                check(conn, item)
            ctx = self.ctx(conn=conn)
            self.apply(conn, item, machine.leave_stage(item, item.current_step, ctx), None, ctx)
        return True

    def act(self, task_id: int, action: str, login: str, data: dict | None = None, *,
            expected_version: int | None = None,
            guard: Callable[[ItemSnap], None] | None = None) -> ActResult:
        """Take an in-task action as `login`; one transaction; a stale `expected_version` is a Conflict.
        `guard` (if given) sees the item as loaded for the action, before anything else, and may raise to refuse
        (permissions.act_as checks there that the caller may see the item: no second read of the item)."""
        actor = self.actor(login)
        for attempt in range(CONFLICT_RETRIES):
            ctx = self.ctx()
            try:
                with db.write(self.eng) as conn:
                    self._bind(ctx, conn)
                    item = item_store.load_item_of_task(conn=conn, task_id=task_id, definition_of=self.definition,
                                                  for_update=True)
                    if guard is not None:
                        guard(item)
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
        outbox rows are collected in order and inserted together at the end, one statement per table. A step's hook
        (a Call) runs where it stands and may add effects or refuse; automatic stages entered run last."""
        effects = list(self._window_timeouts(conn, item, effects, ctx))
        stages: list[RunStage] = []
        refs: dict[str, int] = {}
        item_changes: dict[str, Any] = {}
        versions = {t.id: t.version for t in item.tasks}
        events: list[dict] = []
        entries: list[dict] = []
        notes: list[dict] = []
        out: list[dict] = []
        i = 0
        while i < len(effects):
            e = effects[i]
            i += 1
            if isinstance(e, Call):  # a step's hook, in order: what it adds comes right after it
                more = engine_function(HOOKS, e.hook, ("处理函数", "hook"))(self, conn, item, e, ctx)
                effects[i:i] = list(more or [])
            elif isinstance(e, NewTask):
                tid = conn.execute(INSERT_TASK, dict(
                    instance_id=item.id, step=e.step, kind=e.kind, part=e.part, person=e.holder.person,
                    unit=e.holder.unit, role=e.holder.role, state=e.state, round=e.round, due_at=e.due_at,
                    created_at=ctx.now, from_task=e.from_task, sender=e.sender, card=e.card,
                    chase_count=e.chase_count, data=e.data, version=1)).inserted_primary_key[0]
                if e.ref:
                    refs[e.ref] = tid
                if e.kind == "work" and e.data.get(machine.PURPOSE) == machine.WINDOW:
                    self._schedule_window(conn, item, tid, e.due_at, ctx.now)
                elif e.kind == "work":
                    self._schedule(conn, item, tid, e.step, e.due_at, ctx.now)
            elif isinstance(e, UpdateTask):
                ch = dict(e.changes)
                if "data" in ch:
                    ch["data"] = to_json(ch["data"])
                if ch.get("state") is not None and ch["state"] not in OPEN_TASK_STATES:
                    ch.setdefault("closed_by", actor)  # who closed it (None: the system), for the appraisal
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
                    kind=e.kind, message_zh=e.zh, message_en=e.en, data=to_json(e.data)))
            elif isinstance(e, Entry):
                entries.append(dict(instance_id=item.id, task_id=e.task_id, person=actor or "system",
                                    kind=e.kind, text=e.text, percent=e.percent, at=ctx.now))
            elif isinstance(e, Notify):
                n_rows, n_out = self._notice_rows(conn, item, e, ctx.now, refs)
                notes += n_rows
                out += n_out
            elif isinstance(e, RunStage):
                stages.append(e)
        audit.append(conn=conn, events=events)
        for stmt, rows in ((INSERT_ENTRY, entries), (INSERT_NOTE, notes), (INSERT_OUT, out)):
            if rows:
                conn.execute(stmt, rows)
        if "assignment" in item_changes:
            a = item_changes["assignment"]
            lead = a.get("lead") or {}
            person = self.org.people.get(lead.get("person") or "")
            item_changes["lead_unit"] = lead.get("unit") or (person.unit if person else None)
            item_changes["due_at"] = machine.when_of(a.get("due"), self.cal)
        if "subject" in item_changes:
            item_changes["subject"] = to_json(item_changes["subject"])
        if bump or item_changes:
            res = conn.execute(UPDATE_ITEM, {**item_changes, "version": item.version + 1,
                                             "_id": item.id, "_version": item.version})
            if res.rowcount != 1:
                raise _ItemMoved()
            item.version += 1
        n = len(events)
        for s in stages:
            n += self._run_stage(conn, item, s, ctx)
        return n

    def _run_stage(self, conn: Connection, item: ItemSnap, s: RunStage, ctx: machine.Ctx) -> int:
        """Run an automatic stage in the caller's transaction and move on; a per-unit stage under
        DUBAN_STAGES=external only waits (an outside runner does the units, then calls leave_stage)."""
        fn = engine_function(STAGES, s.stage, ("自动环节", "stage"))
        if getattr(fn, "per_unit", False) and not self.stages_inline:
            return 0
        fresh = item_store.load_item(conn=conn, item_id=item.id, definition_of=self.definition)
        if fresh.state != ItemState.running or fresh.current_step != s.step:
            return 0
        self._bind(ctx, conn)
        more = list(fn(self, conn, fresh, ctx) or [])
        return self.apply(conn, fresh, more + machine.leave_stage(fresh, s.step, ctx), None, ctx)

    def _window_timeouts(self, conn: Connection, item: ItemSnap, effects: list[Effect],
                         ctx: machine.Ctx) -> list[Effect]:
        """The timer of an `each` step's window task fires through the sweep's timeout path (a notify timeout);
        its effects are replaced by closing the window (machine.window_elapsed)."""
        for e in effects:
            if isinstance(e, Event) and e.kind == "timeout" and e.task_id is not None:
                task = next((t for t in item.tasks if t.id == e.task_id), None)
                if task is not None and task.data.get(machine.PURPOSE) == machine.WINDOW \
                        and task.state in OPEN_TASK_STATES:
                    return machine.window_elapsed(item, task, self._bind(ctx, conn))
        return effects

    def _schedule_window(self, conn: Connection, item: ItemSnap, task_id: int, closes: datetime | None,
                         now: datetime) -> None:
        """One timer: when the window of an `each` step closes (a timeout, so the existing sweep fires it)."""
        if closes is None or closes <= now:
            return
        spec = deadlines.TimerSpec("timeout", 0, closes, {"action": "notify", "to": None, "window": True})
        conn.execute(INSERT_TIMER, [{"key": spec.key(task_id, closes), "task_id": task_id, "instance_id": item.id,
                                     "kind": spec.kind, "seq": 0, "fire_at": closes, "state": "pending",
                                     "payload": spec.payload, "attempts": 0}])

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
