"""Read models of supervision (督办): the board's counts and charts, overdue tasks for bulk chasing, and the
ledger (督办台账) rows, always over the items the person may see (engine.store.lists.visible_clause)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.core import limits, policy
from engine.core.model import Actor
from engine.core.org import Holder
from engine.core.states import (
    ITEM_STATE_LABELS, OPEN_TASK_STATES, URGENCY_LABELS, DubanError, InputError, ItemState, is_overdue, item_overdue,
    overdue_days, urgency_of,
)
from engine.reads import items as queries, ledger as ledger_model
from engine.reads.ledger import (  # noqa: F401 - the ledger's names, moved to engine.reads.ledger, re-exported
    CARD_LABELS, FINISHED, LEDGER_COLUMNS, MATERIAL_LABELS, co_of, lead_of, ledger_headers, source_of,
)
from engine.runtime import permissions, proxies
from engine.runtime.site import Site
from engine.store import attachments as attachment_store, board as board_store, db, items as item_store, lists as list_store

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
    """The filters in the store's terms: periodic definitions left out, a unit's people, dates as instants."""
    tz = site.cal.tz
    periodic = () if f.definition else tuple(sorted(k for k, d in site.definitions().items()
                                                    if d.trigger is not None))
    people = tuple(sorted(p.login for p in site.org.people.values() if p.unit == f.unit)) if f.unit else ()
    return board_store.Narrowing(
        definition=f.definition, exclude_definitions=periodic, state=f.state, unit=f.unit, unit_people=people,
        overdue=f.overdue, q=f.q, created_from=datetime.combine(f.since, time(0), tz) if f.since else None,
        created_before=datetime.combine(f.until + timedelta(days=1), time(0), tz) if f.until else None)


def _load(site: Site, actor: Actor, f: Filters, now: datetime) -> tuple[list, dict[int, list], dict[int, int]]:
    """The filtered items (oldest first), their tasks, and each item's number of chases (催办次数)."""
    with db.read(site.eng) as conn:
        return board_store.load(conn=conn, viewer=proxies.viewer(site, actor.login, conn), narrowing=narrowing(site, f),
                                now=now)


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


# ------------------------------------------------------------------ the board
def summary(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh", weeks: int = WEEKS) -> dict:
    """The supervision board: counts by state, the headline totals (new = items issued, closed, work finished on
    time and late, items overdue, on-time rate), by unit the work received, closed, on time, late, open, overdue,
    chased and carded with its on-time rate, carded items, upcoming due tasks, and completions and overdue per
    week."""
    actor = site.actor(login)
    policy.require_supervisor(actor)
    now, cal = site.clock.now(), site.cal
    items, tasks, _ = _load(site, actor, filters, now)
    counts = {k: 0 for k in ("total", "running", "overdue", "due_soon", "completed", "archived", "cancelled",
                             "yellow", "red", "with_material", "without_material")}
    material = _with_material(site, items)
    soon = cal.add_working_days(now, UPCOMING_WORKING_DAYS)
    units = {u: {"unit": u, "name": _unit_name(site, u, lang), "open": 0, "overdue": 0, "on_time": 0, "late": 0,
                 "received": 0, "closed": 0, "chases": 0, "yellow": 0, "red": 0} for u in site.org.units}
    cards, upcoming = [], []
    for it in items:
        counts["total"] += 1
        counts[it.state] = counts.get(it.state, 0) + 1
        if it.state in FINISHED:
            counts["with_material" if it.id in material else "without_material"] += 1
        running = it.state == ItemState.running.value
        work = [x for x in tasks[it.id] if x.kind == "work"]
        open_work = [x for x in work if x.state in _OPEN and running]
        late_open = [x for x in open_work if is_overdue(x.state, x.due_at, now)]
        counts["overdue"] += bool(late_open)
        if running and it.card in ("yellow", "red"):
            counts[it.card] += 1
            cards.append(_brief(site, it, lang) | {"card": it.card, "overdue_days": max(
                (overdue_days(x.due_at, now, cal) for x in late_open), default=0),
                "holders": [_holder(site, x, lang) for x in late_open or open_work]})
        due_soon = [x for x in open_work if x.due_at is not None and now <= x.due_at <= soon]
        counts["due_soon"] += bool(due_soon)
        for x in due_soon:
            upcoming.append(_brief(site, it, lang) | {"task_id": x.id, "holder": _holder(site, x, lang),
                                                      "due_at": x.due_at,
                                                      "working_days_left": cal.working_days_between(now, x.due_at)})
        for x in work:
            u = _unit_of(site, x) if x.part in _HANDLING else None
            if u not in units:
                continue
            units[u]["received"] += 1
            units[u]["closed"] += x.state == "done"
            units[u]["chases"] += x.chase_count or 0
            if x.card in ("yellow", "red"):
                units[u][x.card] += 1
            if x.state in _OPEN and running:
                units[u]["open"] += 1
                units[u]["overdue"] += is_overdue(x.state, x.due_at, now)
            if _late(x, now):
                units[u]["late"] += 1
            elif x.state == "done" and x.due_at is not None:
                units[u]["on_time"] += 1
    for u in units.values():
        u["rate"] = _rate(u["on_time"], u["late"])
    on_time, late = sum(u["on_time"] for u in units.values()), sum(u["late"] for u in units.values())
    totals = {"new": counts["total"], "closed": counts["completed"] + counts["archived"], "on_time": on_time,
              "late": late, "overdue": counts["overdue"], "rate": _rate(on_time, late)}
    cards.sort(key=lambda c: (c["card"] != "red", -c["overdue_days"], c["id"]))
    upcoming.sort(key=lambda c: (c["due_at"], c["id"]))
    return {"now": now, "counts": counts, "totals": totals, "by_unit": list(units.values()), "cards": cards,
            "upcoming": upcoming,
            "weeks": _weeks(site, items, tasks, now, filters.until, weeks)}


def _rate(on_time: int, late: int) -> float | None:
    """The on-time rate (按时办结率) of finished work: on time over on time and late, None when nothing finished."""
    return round(on_time / (on_time + late), 4) if on_time + late else None


def _weeks(site: Site, items: list[Any], tasks: dict[int, list[Any]], now: datetime, until: date | None,
           n: int) -> list[dict]:
    """Items completed, and items that fell overdue, in each of the last `n` weeks (Monday to Sunday)."""
    cal = site.cal
    last = min(until, cal.local_date(now)) if until else cal.local_date(now)
    monday = last - timedelta(days=last.weekday())
    starts = [monday - timedelta(weeks=k) for k in range(n - 1, -1, -1)]
    out = {s: {"start": s, "label": f"{s.month}/{s.day}", "completed": 0, "overdue": 0} for s in starts}

    def week(when: datetime | None) -> date | None:
        if when is None:
            return None
        d = cal.local_date(when)
        return d - timedelta(days=d.weekday())

    for it in items:
        if it.state in (ItemState.completed.value, ItemState.archived.value):
            w = week(it.closed_at)
            if w in out:
                out[w]["completed"] += 1
        fell = {week(x.due_at) for x in tasks[it.id] if x.kind == "work" and _late(x, now)}
        for w in fell & out.keys():
            out[w]["overdue"] += 1
    return list(out.values())


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
    return ledger_model.rows(site, login=login, narrowed=narrowing(site, filters), lang=lang, chunk=chunk)
