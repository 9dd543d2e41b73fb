"""One Duban site: its database engine, clock and settings, the cached organisation, calendar, definitions and
notification channels, and the plugin registry it holds. Commands and `apply` live in their own modules; the Site's
methods of the same names delegate to them so callers need not know where they live."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from engine.clock import Clock, SystemClock, monotonic
from engine.core import dsl, machine
from engine.core.calendar import CalendarSettings, WorkCalendar
from engine.core.model import Actor, Effect, ItemSnap
from engine.core.org import Org
from engine.core.states import NotFound
from engine.parser.calendar_file import CalendarFile, load_calendar_file
from engine.parser.definition import parse_definition
from engine.parser.loader import definitions_dir
from engine.settings import settings as env_settings
from engine.runtime import apply as applying, commands
from engine.runtime.commands import ActResult
from engine.runtime.delivery import Reach, routes
from engine.runtime.plugins import DEFAULT as DEFAULT_PLUGINS, Plugins
from engine.store import attachments as attachment_store
from engine.store import calendar as calendar_store, db, definitions as definition_store, inbox, org as org_store
from engine.store.db import Connection, Engine

log = logging.getLogger("duban.runtime")
__all__ = ["ActResult", "Site"]


class Site:
    """One Duban site: a database, a clock, the organisation, the calendar and the definitions."""

    def __init__(self, eng: Engine, clock: Clock | None = None, *, settings: CalendarSettings | None = None,
                 calendar_yaml: Path | None = None, plugins: Plugins | None = None):
        self.eng, self.clock = eng, clock or SystemClock()
        self.settings = settings or CalendarSettings(due_on_day_off=env_settings().due_on_day_off)
        self.calendar_yaml = calendar_yaml if calendar_yaml is not None else definitions_dir() / "calendar.yaml"
        self.plugins = plugins if plugins is not None else Plugins().load(DEFAULT_PLUGINS)
        self._defs: dict[tuple[str, int], dsl.Definition] = {}
        self._latest: dict[str, int] = {}
        self._org: Org | None = None
        self._cal: WorkCalendar | None = None
        self._reach: dict[str, Reach] = {}
        # replicas see another replica's organisation, calendar and definition changes within this many seconds
        self.cache_seconds = env_settings().cache_seconds
        self._loaded_at = monotonic()
        # people and units: every change bumps the organisation's stamp row in its own transaction; a process
        # reads that one row at most every org_check_seconds and reloads the organisation when it moved
        self.org_check_seconds = env_settings().org_check_seconds
        self._org_stamp, self._org_checked_at = -1, monotonic()
        self._password_due: frozenset[str] = frozenset()
        # per-unit automatic stages (appraisal metrics and scores) run in-process unless DUBAN_STAGES=external,
        # where a runner (Prefect) maps them over units and then calls leave_stage
        self.stages_inline = env_settings().stages != "external"

    # ------------------------------------------------------------ cached site data
    def _expire(self) -> None:
        if monotonic() - self._loaded_at > self.cache_seconds:
            self._loaded_at = monotonic()
            self._org, self._cal, self._latest = None, None, {}  # parsed definition versions never change

    def _check_org_stamp(self) -> None:
        if self._org is not None and monotonic() - self._org_checked_at > self.org_check_seconds:
            self._org_checked_at = monotonic()
            with db.read(self.eng) as conn:
                if org_store.stamp(conn=conn) != self._org_stamp:
                    self._org = None

    @property
    def org(self) -> Org:
        self._expire()
        self._check_org_stamp()
        org = self._org  # another thread may drop it meanwhile: answer with what was read
        if org is None:
            with db.read(self.eng) as conn:
                stamp = org_store.stamp(conn=conn)
                org = org_store.load_org(conn=conn)
                reach = {k: Reach(**v) for k, v in inbox.reach_by_login(conn=conn).items()}
                self._password_due = org_store.password_change_due(conn=conn)
            self._reach = reach
            self._org, self._org_stamp, self._org_checked_at = org, stamp, monotonic()
        return org

    def reload_org(self) -> None:
        """Forget the cached organisation (after a change of people or units in this process)."""
        self._org = None

    def must_change_password(self, login: str) -> bool:
        """Must this person change their password before anything else (set by an administrator)?"""
        self.org  # loads the flags with the organisation
        return login in self._password_due

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
        return self.bind(ctx, conn)

    def bind(self, ctx: machine.Ctx, conn: Connection | None) -> machine.Ctx:
        """Give `ctx` the engine lists, read inside `conn` (or a read transaction of their own)."""
        def lists(name: str, item: ItemSnap) -> list[dict]:
            fn = self.plugins.list(name)
            if conn is not None:
                return fn(self, conn, item)
            with db.read(self.eng) as c:
                return fn(self, c, item)
        ctx.lists = lists

        def attachable(item_id: int, login: str, ids: list[int]) -> set[int]:
            if conn is not None:
                return attachment_store.attachable(conn=conn, instance_id=item_id, login=login, ids=ids)
            with db.read(self.eng) as c:
                return attachment_store.attachable(conn=c, instance_id=item_id, login=login, ids=ids)
        ctx.attachable = attachable
        return ctx

    def actor(self, login: str) -> Actor:
        p = self.org.people.get(login)
        if p is None:
            raise NotFound(f"没有人员“{login}”", f"no person {login!r}", {"person": login})
        return Actor(login, p.unit, p.roles)

    def channels_of(self, login: str) -> list[str]:
        """A person's own notification channels (Apprise URLs)."""
        self.org  # loads the channels with the organisation
        reach = self._reach.get(login)
        return list(reach.channels) if reach else []

    def routes_of(self, login: str) -> list[tuple[str, str | None]]:
        """Where a message to this person goes, (channel, note), by their preference (engine.runtime.delivery)."""
        self.org
        reach = self._reach.get(login)
        if reach is None:
            return []
        env = env_settings()
        ready = {app for app, ok in (("dingtalk", env.dingtalk_app_key and env.dingtalk_app_secret and env.dingtalk_agent_id),
                                     ("wecom", env.wecom_corp_id and env.wecom_corp_secret and env.wecom_agent_id)) if ok}
        return routes(reach, ready=ready)

    # ------------------------------------------------------------ commands and effects (see commands, apply)
    def start(self, definition: str, subject: dict, initiator: str, *, attachments: tuple[int, ...] = ()) -> int:
        return commands.start(self, definition, subject, initiator, attachments=attachments)

    def start_once(self, definition: str, subject: dict, initiator: str, *, key: str) -> tuple[int, bool]:
        return commands.start_once(self, definition, subject, initiator, key=key)

    def leave_stage(self, item_id: int, stage: str, *,
                    check: Callable[[Connection, ItemSnap], None] | None = None) -> bool:
        return commands.leave_stage(self, item_id, stage, check=check)

    def act(self, task_id: int, action: str, login: str, data: dict | None = None, *,
            expected_version: int | None = None, guard: Callable[[ItemSnap, Actor], None] | None = None,
            acting_for: frozenset[str] | None = frozenset(),
            answer: Callable[[Connection, int, Actor], Any] | None = None) -> ActResult:
        return commands.act(self, task_id, action, login, data, expected_version=expected_version, guard=guard,
                            acting_for=acting_for, answer=answer)

    def apply(self, conn: Connection, item: ItemSnap, effects: list[Effect], actor: str | None,
              ctx: machine.Ctx, *, bump: bool = True) -> int:
        return applying.apply(self, conn, item, effects, actor, ctx, bump=bump)
