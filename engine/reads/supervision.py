"""Read models of supervision (督办): the board's counts and charts, overdue tasks for bulk chasing, and the
ledger (督办台账) rows, always over the items the person may see (engine.store.lists.visible_clause)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.appraisal.trigger import opens_cycle
from engine.core import limits, policy
from engine.core.model import Actor
from engine.core.org import Holder
from engine.core.states import (
    ITEM_STATE_LABELS, OPEN_TASK_STATES, URGENCY_LABELS, DubanError, InputError, ItemState, is_overdue, item_overdue,
    overdue_days, urgency_of,
)
from engine.reads import board as board_reads, items as queries, ledger as ledger_model, lights, rating as rating_reads
from engine.reads.ledger import (  # noqa: F401 - the ledger's names, moved to engine.reads.ledger, re-exported
    CARD_LABELS, FINISHED, LEDGER_COLUMNS, MATERIAL_LABELS, co_of, lead_of, ledger_headers, source_of,
)
from engine.runtime import permissions, proxies
from engine.runtime.site import Site
from engine.store import (
    attachments as attachment_store, board as board_store, board_counts, db, items as item_store, lists as list_store,
)

PERIODS = ("all", "week", "month", "quarter", "year")
UPCOMING_WORKING_DAYS = 5
WEEKS = 12
MAX_CHASE = limits.MAX_ITEMS  # tasks one bulk chase may name
_OPEN = frozenset(s.value for s in OPEN_TASK_STATES)
_HANDLING = board_store.HANDLING  # the parts that units handle: on-time rates are theirs


@dataclass(frozen=True)
class Filters:
    """What the board and the ledger are narrowed to; `since`/`until` bound the date the item was issued.
    Without a `definition`, items of self-starting periodic definitions (appraisal cycles) are left out."""

    unit: str | None = None
    definition: str | None = None
    state: str | None = None
    overdue: bool | None = None
    since: date | None = None
    until: date | None = None
    q: str | None = None
    level: str | None = None  # 督办级别: normal, key, flagged
    light: str | None = None  # 亮灯: green, yellow, red (running items only)


def period_range(period: str | None, today: date) -> tuple[date | None, date | None]:
    """The dates a named period covers, up to `today`: this week, month, quarter or year; `all` is unbounded."""
    if not period or period == "all":
        return None, None
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if period == "year":
        return date(today.year, 1, 1), today
    raise ValueError(period)


# ------------------------------------------------------------------ loading
def narrowing(site: Site, f: Filters) -> board_store.Narrowing:
    """The filters in the store's terms: appraisal cycles left out (a recurring item such as the monthly report is
    supervised like any other), a unit's people, dates as instants."""
    tz = site.cal.tz
    periodic = () if f.definition else tuple(sorted(k for k, d in site.definitions().items()
                                                    if opens_cycle(d)))
    people = tuple(sorted(p.login for p in site.org.people.values() if p.unit == f.unit)) if f.unit else ()
    return board_store.Narrowing(
        definition=f.definition, exclude_definitions=periodic, state=f.state, unit=f.unit, unit_people=people,
        overdue=f.overdue, q=f.q, created_from=datetime.combine(f.since, time(0), tz) if f.since else None,
        created_before=datetime.combine(f.until + timedelta(days=1), time(0), tz) if f.until else None)


def _load(site: Site, actor: Actor, f: Filters, now: datetime) -> tuple[list, dict[int, list], dict[int, int]]:
    """The filtered items (oldest first), their tasks, and each item's number of chases (催办次数)."""
    with db.read(site.eng) as conn:
        items, tasks, chases = board_store.load(conn=conn, viewer=proxies.viewer(site, actor.login, conn),
                                                narrowing=narrowing(site, f), now=now)
    if f.level or f.light:  # by level and light (engine.reads.lights)
        items = lights.narrow(site, items, tasks, f.level, f.light, now)
    return items, tasks, chases


def _with_material(site: Site, items: list[Any]) -> set[int]:
    """Of the finished items, those with completion material (an attachment sent with the 办结, not removed)."""
    ids = [it.id for it in items if it.state in FINISHED]
    if not ids:
        return set()
    with db.read(site.eng) as conn:
        return attachment_store.items_with_material(conn=conn, instance_ids=ids)


def _unit_of(site: Site, task: Any) -> str | None:
    if task.unit:
        return task.unit
    p = site.org.people.get(task.person or "")
    return p.unit if p else None


def _late(task: Any, now: datetime) -> bool:
    """Missed its due time: still open past it, or closed after it."""
    if task.due_at is None or task.state not in _OPEN | {"done"}:
        return False
    return (task.closed_at or now) > task.due_at and task.due_at < now


def _unit_name(site: Site, unit: str, lang: str) -> str:
    return site.org.holder_name(Holder(unit=unit), lang)


def _by_level_and_light(site: Site, conn: Any, viewer: Any, f: Filters, nar: board_store.Narrowing,
                        now: datetime) -> board_store.Narrowing:
    """The board narrowed by 督办级别 and 亮灯 as well: both are worked out in Python (engine.reads.lights), so the
    items they keep are passed to the counting queries by id. A light filter reads the running items only (bounded
    by what is open); a level filter alone reads the narrowed items' subjects (it grows with them)."""
    if not (f.level or f.light):
        return nar
    base = replace(nar, state="running") if f.light else nar
    if f.light and nar.state not in (None, "running"):
        return replace(nar, ids=())
    items, tasks, _ = board_store.load(conn=conn, viewer=viewer, narrowing=base, now=now)
    return replace(nar, ids=tuple(r.id for r in lights.narrow(site, items, tasks, f.level, f.light, now)))


# ------------------------------------------------------------------ the board
def summary(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh", weeks: int = WEEKS,
            group_by: str | None = None) -> dict:
    """The supervision board: counts by state, the headline totals (new = items issued, closed, work finished on
    time and late, items overdue, on-time rate), by unit the work received, closed, on time, late, open, overdue,
    chased and carded with its on-time rate, carded items, upcoming due tasks, and completions and overdue per
    week; with `group_by` (unit, leader, source, level) also `groups`. Counted by the database, from the
    maintained tally where the narrowing allows (engine.reads.board.counted), reading what is shown; the same definitions as a loop over every item are kept
    in tests/support/board_reference.py and compared on a varied store."""
    actor = site.actor(login)
    policy.require_supervisor(actor)
    now, cal = site.clock.now(), site.cal
    soon = cal.add_working_days(now, UPCOMING_WORKING_DAYS)
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, actor.login, conn)
        nar = _by_level_and_light(site, conn, viewer, filters, narrowing(site, filters), now)
        kw = dict(conn=conn, viewer=viewer, narrowing=nar, now=now)
        running, running_tasks, _ = (board_store.load(**(kw | {"narrowing": replace(nar, state="running")}))
                                     if nar.state in (None, "running") else ([], {}, {}))
        counts, holders, ratings = board_reads.counted(kw, soon)
        carded, work = board_counts.carded_items(**kw)
        due = board_counts.due_within(**kw, soon=soon)
        series = board_reads.weeks(site, kw, now, filters.until, weeks)
        groups = board_reads.groups(site, kw, group_by, lang) if group_by and group_by != "unit" else None
    counts = {k: 0 for k in ("total", "running", "overdue", "due_soon", "completed", "archived", "cancelled",
                             "yellow", "red", "with_material", "without_material")} | counts
    units = {u: {"unit": u, "name": _unit_name(site, u, lang), "open": 0, "overdue": 0, "on_time": 0, "late": 0,
                 "received": 0, "closed": 0, "chases": 0, "yellow": 0, "red": 0} for u in site.org.units}
    for h in holders:  # work by (unit, person): a person's work counts for their unit
        if (u := _unit_of(site, h)) in units:
            for k in ("received", "closed", "chases", "yellow", "red", "open", "overdue", "late", "on_time"):
                units[u][k] += int(getattr(h, k))
    for u in units.values():
        u["rate"] = _rate(u["on_time"], u["late"])
    cards = []
    for it in carded:
        open_work = [x for x in work[it.id] if x.state in _OPEN]
        late_open = [x for x in open_work if is_overdue(x.state, x.due_at, now)]
        counts[it.card] += 1
        cards.append(_brief(site, it, lang) | {"card": it.card, "overdue_days": max(
            (overdue_days(x.due_at, now, cal) for x in late_open), default=0),
            "holders": [_holder(site, x, lang) for x in late_open or open_work]})
    upcoming = [_brief(site, it, lang) | {"task_id": x.id, "holder": _holder(site, x, lang), "due_at": x.due_at,
                                          "working_days_left": cal.working_days_between(now, x.due_at)}
                for it, x in due]
    on_time, late = sum(u["on_time"] for u in units.values()), sum(u["late"] for u in units.values())
    totals = {"new": counts["total"], "closed": counts["completed"] + counts["archived"], "on_time": on_time,
              "late": late, "overdue": counts["overdue"], "rate": _rate(on_time, late)}
    cards.sort(key=lambda c: (c["card"] != "red", -c["overdue_days"], c["id"]))
    upcoming.sort(key=lambda c: (c["due_at"], c["id"]))
    out = {"now": now, "counts": counts, "totals": totals, "by_unit": list(units.values()), "cards": cards,
           "upcoming": upcoming, "weeks": series}
    if group_by:
        out["group_by"], out["groups"] = group_by, groups if groups is not None else [
            {"key": u["unit"], "name": u["name"], "total": u["received"], "running": u["open"], "closed": u["closed"],
             "overdue": u["overdue"], "on_time": u["on_time"], "late": u["late"], "rate": u["rate"]}
            for u in units.values()]
    # 亮灯 over the running items (what is open, not the store), 办结评价 by lead unit (counted by the database)
    out["lights"] = lights.light_counts(site, running, running_tasks, now, lang)
    out["satisfaction"] = rating_reads.tally_counts(ratings, site.org, lang)
    return out


def _rate(on_time: int, late: int) -> float | None:
    """The on-time rate (按时办结率) of finished work: on time over on time and late, None when nothing finished."""
    return round(on_time / (on_time + late), 4) if on_time + late else None


def _brief(site: Site, it: Any, lang: str) -> dict:
    u = urgency_of(it.subject)
    return {"id": it.id, "serial": it.serial, "title": it.title, "definition": it.definition_key,
            "lead": _lead(site, it, lang), "due_at": it.due_at, "urgency": u,
            "urgency_label": URGENCY_LABELS[u][1 if lang.startswith("en") else 0] if u else None}


def _holder(site: Site, task: Any, lang: str) -> str:
    return site.org.holder_name(Holder(person=task.person, unit=task.unit, role=task.role), lang)


# ------------------------------------------------------------------ overdue tasks and bulk chasing
def overdue_tasks(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh",
                  limit: int = MAX_CHASE) -> list[dict]:
    """Open work tasks past their due time in the filtered items, most overdue first, each as
    engine.queries.task_view shows it (with the actions `login` may take: `chase` where allowed)."""
    actor = site.actor(login)
    policy.require_supervisor(actor)
    now = site.clock.now()
    with db.read(site.eng) as conn:
        rows = board_store.overdue_task_refs(conn=conn, viewer=proxies.viewer(site, actor.login, conn),
                                             narrowing=narrowing(site, filters), now=now, limit=limit)
        snaps: dict[int, Any] = {}
        for r in rows:
            if r.instance_id not in snaps:
                snaps[r.instance_id] = item_store.load_item(conn=conn, item_id=r.instance_id, definition_of=site.definition)
        serials = list_store.serials(conn=conn, item_ids=list(snaps))
    return [queries.task_view(site, snaps[r.instance_id], snaps[r.instance_id].task(r.id), actor, now,
                              serials[r.instance_id], lang) for r in rows]


def chase_many(site: Site, *, login: str, task_ids: list[int], message: str) -> dict:
    """Chase each task as `login` (the same rule as one chase: engine.permissions.act_as); one refusal does
    not stop the rest. {"chased": [task ids], "failed": [{"task", "zh", "en"}]}."""
    policy.require_supervisor(site.actor(login))
    task_ids = list(dict.fromkeys(task_ids))
    if len(task_ids) > MAX_CHASE:
        raise InputError("task", f"一次最多催办 {MAX_CHASE} 项（选了 {len(task_ids)} 项）",
                         f"at most {MAX_CHASE} tasks at once (got {len(task_ids)})")
    chased, failed = [], []
    for tid in task_ids:
        try:
            permissions.act_as(site, tid, "chase", login, {"message": message})
        except DubanError as e:
            failed.append({"task": tid, "zh": e.zh, "en": e.en, "code": e.code})
        else:
            chased.append(tid)
    return {"chased": chased, "failed": failed}


_lead = lead_of  # the board's cards name the lead as the ledger does


# ------------------------------------------------------------------ the ledger (督办台账): engine.reads.ledger
def ledger(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh") -> list[dict]:
    """The ledger's rows (engine.reads.ledger.rows) as a list, for the page, the bulletin and the slips."""
    return list(ledger_rows(site, login=login, filters=filters, lang=lang))


def ledger_rows(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh",
                chunk: int = ledger_model.CHUNK) -> Any:
    """The ledger's rows as a generator reading `chunk` items at a time, narrowed by `filters`."""
    nar = narrowing(site, filters)
    if filters.level or filters.light:  # worked out in Python (engine.reads.lights): the kept items by id
        with db.read(site.eng) as conn:
            nar = _by_level_and_light(site, conn, proxies.viewer(site, site.actor(login).login, conn), filters, nar,
                                      site.clock.now())
    return ledger_model.rows(site, login=login, narrowed=nar, lang=lang, chunk=chunk)
