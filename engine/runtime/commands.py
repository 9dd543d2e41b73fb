"""Commands: start an item (once per key if asked), take an action on a task, move an item past an automatic
stage. Each is one transaction: load, ask the core for effects, `apply` them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from engine.core import dsl, machine, proxies as proxy_rules, search as search_rules
from engine.core.actions import dispatch as actions
from engine.core.codec import to_json
from engine.core.fields import check_subject
from engine.core.model import Actor, ItemSnap
from engine.core.states import Conflict, InputError, ItemState, NotAllowed, OPEN_TASK_STATES, TaskKind
from engine.runtime import parts
from engine.runtime.apply import ItemMoved, Writes, apply
from engine.store import (
    attachments as attachment_store, audit, db, items as item_store, proxies as proxy_store, search as search_store,
)
from engine.store.db import Connection

CONFLICT_RETRIES = 3


@dataclass
class ActResult:
    task_id: int
    instance_id: int
    action: str
    events: int
    answer: Any = None  # what `act(answer=...)` read in the action's transaction


def start(site: Any, definition: str, subject: dict, initiator: str, *, attachments: tuple[int, ...] = ()) -> int:
    """Start an item (立项/登记): validate the subject, number it, enter the start step; `attachments`: files the
    initiator uploaded for the registration (a scanned 来文), joined to the item in the same transaction."""
    defn = site.definition(definition)
    actor = site.actor(initiator)
    clean = check_subject(defn.fields, subject, org=site.org)
    ctx = site.ctx()
    with db.write(site.eng) as conn:
        iid = open_item(site, conn, defn, actor, clean, site.bind(ctx, conn))
        if attachments:
            registered_files(site, conn, iid, actor.login, attachments, ctx.now)
        return iid


def registered_files(site: Any, conn: Connection, iid: int, login: str, ids: tuple[int, ...], now: Any) -> None:
    """Join the registration's files (uploaded by `login` for a registration, not yet joined) to the new item;
    InputError naming `attachments` (and nothing started) when one is not such a file."""
    rows = attachment_store.claim_staged(conn=conn, ids=ids, login=login, instance_id=iid)
    bad = sorted(set(ids) - {r["id"] for r in rows})
    if bad:
        raise InputError("attachments", f"附件 {', '.join(map(str, bad))} 不是您为登记上传且尚未使用的文件",
                         f"file {', '.join(map(str, bad))} is not one you uploaded for a registration and have not "
                         f"used yet")
    texts = attachment_store.texts(conn=conn, ids=[r["id"] for r in rows])
    for r in rows:  # uploaded before the item existed: findable from now on, by name and by the text inside
        search_store.index_attachment(conn=conn, attachment_id=r["id"], instance_id=iid, name=r["name"],
                                      text=texts.get(r["id"]), at=now)
    audit.record(conn=conn, at=now, actor=login, kind="attachment_added", instance_id=iid,
                 zh=f"{site.org.person_name(login)}登记时附上" + "、".join(f"《{r['name']}》" for r in rows),
                 en=f"{site.org.person_name(login, 'en')} registered it with " + ", ".join(f"'{r['name']}'"
                                                                                          for r in rows),
                 data={"attachments": [r["id"] for r in rows]})


def start_once(site: Any, definition: str, subject: dict, initiator: str, *, key: str) -> tuple[int, bool]:
    """Start an item at most once per `key` (e.g. `appraisal_quarterly:2026Q1`): the key is inserted first in
    the same transaction, so a second caller (a restart, another scheduler, a person) finds it taken and gets the
    existing item instead. Returns (item id, started now)."""
    defn = site.definition(definition)
    actor = site.actor(initiator)
    clean = check_subject(defn.fields, subject, org=site.org)
    ctx = site.ctx()
    try:
        with db.write(site.eng) as conn:
            item_store.take_period_key(conn=conn, key=key, at=ctx.now)
            iid = open_item(site, conn, defn, actor, clean, site.bind(ctx, conn))
            item_store.set_period_item(conn=conn, key=key, item_id=iid)
        return iid, True
    except item_store.KeyTaken:
        with db.read(site.eng) as conn:
            existing = item_store.period_item(conn=conn, key=key)
        if existing is None:
            raise
        return existing, False


def open_item(site: Any, conn: Connection, defn: dsl.Definition, actor: Actor, clean: dict,
              ctx: machine.Ctx) -> int:
    """Insert a numbered item and enter its start step, in the caller's transaction."""
    year = site.cal.local_date(ctx.now).year
    no = item_store.next_serial(conn=conn, key=defn.id, year=year)
    title = str(clean.get(defn.title_field, ""))
    confidential = bool(clean.get(defn.confidential_field)) if defn.confidential_field else False
    serial = f"{defn.serial.prefix}〔{year}〕{no}号"
    iid = item_store.insert_item(conn=conn, row=dict(
        definition_key=defn.id, definition_version=defn.version, serial_year=year, serial_no=no,
        serial=serial, title=title, subject=to_json(clean), state=ItemState.running, assignment={},
        initiator=actor.login, confidential=confidential, created_at=ctx.now, version=1,
    ))
    search_store.index_item(conn=conn, item_id=iid, serial=serial, title=title, subject=clean,
                            searched=search_rules.text_fields(defn.fields), title_field=defn.title_field, at=ctx.now)
    item = ItemSnap(id=iid, definition=defn, subject=clean, state=ItemState.running, assignment={},
                    initiator=actor.login, current_step=None, tasks=[], title=title)
    item._serial = serial  # type: ignore[attr-defined]  # for notifications (store.items.serial_of)
    item._confidential = confidential  # type: ignore[attr-defined]  # who may be told (store.items.confidential_of)
    apply(site, conn, item, machine.start(item, ctx), actor.login, ctx, bump=False)
    return iid


def leave_stage(site: Any, item_id: int, stage: str, *,
                check: Callable[[Connection, ItemSnap], None] | None = None) -> bool:
    """Move an item past the automatic step that runs `stage` (after an outside runner did the stage's work);
    `check` may refuse inside the transaction. False if the item is not waiting at such a step."""
    with db.write(site.eng) as conn:
        item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition, for_update=True)
        step = item.definition.steps.get(item.current_step or "")
        if item.state != ItemState.running or not isinstance(step, dsl.AutoStep) or step.stage != stage:
            return False
        if check is not None:
            check(conn, item)
        ctx = site.ctx(conn=conn)
        apply(site, conn, item, machine.leave_stage(item, item.current_step, ctx), None, ctx)
    return True


def act(site: Any, task_id: int, action: str, login: str, data: dict | None = None, *,
        expected_version: int | None = None, guard: Callable[[ItemSnap, Actor], None] | None = None,
        acting_for: frozenset[str] | None = frozenset(),
        answer: Callable[[Connection, int, Actor], Any] | None = None) -> ActResult:
    """Take an in-task action as `login`; one transaction; a stale `expected_version` is a Conflict.
    `acting_for`: the people the caller stands in for now (代理), whose tasks they may act on as "张三（代李四）";
    None: read them in the action's transaction (with the proxies its notices need: one read). `guard` (if given)
    sees the item as loaded for the action and the caller as an actor, before anything else, and may raise to
    refuse (permissions.act_as checks there that the caller may see the item: no second read of the item).
    `answer` (if given) runs in the transaction once the tasks and the item are written, before the audit events,
    notices and timers (engine.runtime.apply.Writes, written last), with the item's id and the actor; what it
    returns is the result's `answer` (the lean answer of a write: no transaction of its own)."""
    a = site.actor(login)
    for _ in range(CONFLICT_RETRIES):
        ctx = site.ctx()
        try:
            with db.write(site.eng) as conn:
                site.bind(ctx, conn)
                item = item_store.load_item_of_task(conn=conn, task_id=task_id, definition_of=site.definition,
                                                    for_update=True)
                stands_for = acting_for if acting_for is not None else frozenset(proxy_rules.acting_for(
                    proxy_store.active_proxies(conn=conn, now=ctx.now, login=login), login, ctx.now))
                actor = Actor(a.login, a.unit, a.roles, frozenset(stands_for))
                if guard is not None:
                    guard(item, actor)
                parts.with_parts(conn, item)  # 任务分解: what the item's split and completion look at
                iid = item.id
                task = item.task(task_id)
                if expected_version is not None and task.version != expected_version:
                    raise actions.lost_race(task, _last_act(conn, task_id), ctx)
                expected_version = task.version
                try:
                    effects = actions.take(item, task, action, actor, dict(data or {}), ctx)
                except NotAllowed:
                    if (task.state in OPEN_TASK_STATES or action == "recall") and item.state == ItemState.running \
                            or task.kind == TaskKind.rating:  # 办结评价: "already rated" says who won
                        raise
                    # someone acted first and closed the task (or ended the item): name them
                    raise actions.lost_race(task, _last_act(conn, task_id), ctx) from None
                if answer is None:
                    n, said = apply(site, conn, item, effects, login, ctx), None
                else:  # read before the audit events go in: the chain's head is held from then until commit
                    w = Writes()
                    n = apply(site, conn, item, effects, login, ctx, writes=w)
                    said = answer(conn, iid, actor)
                    w.flush(site, conn, ctx.now)
            return ActResult(task_id, iid, action, n, said)
        except ItemMoved:
            continue  # another action on the same item committed first; our task is unchanged: retry
    raise Conflict("该事项正被频繁修改，请稍后重试", "the item is changing too fast; try again", {"task": task_id})


def _last_act(conn: Connection, task_id: int) -> tuple | None:
    """The act that won a race on a task (quiet events passed over: see actions.QUIET_EVENTS)."""
    return item_store.last_act(conn=conn, task_id=task_id, quiet=actions.QUIET_EVENTS,
                               quiet_from_system=actions.QUIET_SYSTEM_EVENTS)
