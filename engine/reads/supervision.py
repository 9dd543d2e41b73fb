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
from engine.reads import board as board_reads, items as queries, lights, rating as rating_reads
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
CARD_LABELS = {"none": ("—", "—"), "yellow": ("黄牌", "Yellow"), "red": ("红牌", "Red")}
LEDGER_COLUMNS = [  # (key, 中文, English): the columns an office keeps, in order
    ("serial", "编号", "No."), ("title", "事项", "Item"), ("source", "来源/批示领导", "Source / leader"),
    ("lead", "主办单位", "Lead unit"), ("co", "协办单位", "Co-handling units"), ("assigned_on", "交办日期", "Assigned on"),
    ("due_on", "办理时限", "Due date"), ("progress", "办理进展", "Progress"), ("closed_on", "办结日期", "Completed on"),
    ("state", "状态", "State"), ("chases", "催办次数", "Chases"), ("card", "亮牌", "Card"), ("light", "亮灯", "Light"),
    ("material", "办结材料", "Completion material"),
    ("proposal", "拟办意见", "Proposal"), ("instruction", "领导批示", "Leader's instruction"),
    ("urgency", "缓急", "Urgency"), ("reply", "办复情况", "Reply"),
    ("rating", "办结评价", "Rating"),  # the instructing leader's (engine.reads.rating)
]
FINISHED = (ItemState.completed.value, ItemState.archived.value)  # the items that should have completion material
MATERIAL_LABELS = {True: ("有", "yes"), False: ("无", "no")}


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
    week; with `group_by` (unit, leader, source, level) also `groups`. Counted by the database
    (engine.store.board_counts), reading what is shown; the same definitions as a loop over every item are kept
    in tests/support/board_reference.py and compared on a varied store."""
    actor = site.actor(login)
    policy.require_supervisor(actor)
    now, cal = site.clock.now(), site.cal
    soon = cal.add_working_days(now, UPCOMING_WORKING_DAYS)
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, actor.login, conn)
        nar = _by_level_and_light(site, conn, viewer, filters, narrowing(site, filters), now)
        kw = dict(conn=conn, viewer=viewer, narrowing=nar, now=now)
        ratings = board_counts.ratings_by_unit(**kw)
        running, running_tasks, _ = (board_store.load(**(kw | {"narrowing": replace(nar, state="running")}))
                                     if nar.state in (None, "running") else ([], {}, {}))
        counts = board_counts.item_counts(**kw, soon=soon)
        holders = board_counts.work_by_holder(**kw)
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


# ------------------------------------------------------------------ the ledger (督办台账)
def ledger(site: Site, *, login: str, filters: Filters = Filters(), lang: str = "zh") -> list[dict]:
    """One row per filtered item the person may see, oldest first, keyed by LEDGER_COLUMNS (dates as dates),
    plus `id`, `state_code`, `overdue` and `card_code`."""
    actor = site.actor(login)
    now, cal = site.clock.now(), site.cal
    items, tasks, chases = _load(site, actor, filters, now)
    en = lang.startswith("en")
    material = _with_material(site, items)
    lit = lights.of_items(site, items, tasks, now)
    rows = []
    for it in items:
        overdue = item_overdue(it.state, tasks[it.id], now)
        zh_state, en_state = ITEM_STATE_LABELS[ItemState(it.state)]
        state = en_state if en else zh_state
        if overdue:
            state += " (overdue)" if en else "（超期）"
        progress = it.progress or ""
        if progress and it.progress_percent is not None:
            progress += f"（{it.progress_percent}%）" if not en else f" ({it.progress_percent}%)"
        subject_due = (it.subject or {}).get("due")
        rows.append({
            "id": it.id, "serial": it.serial, "title": it.title, "source": _source(site, it, lang),
            "lead": _lead(site, it, lang), "co": _co(site, it, lang),
            "assigned_on": cal.local_date(it.created_at),
            "due_on": cal.local_date(it.due_at) if it.due_at else (date.fromisoformat(subject_due)
                                                                   if isinstance(subject_due, str) else None),
            "progress": progress,
            "closed_on": cal.local_date(it.closed_at) if it.closed_at and it.state != ItemState.cancelled.value
            else None,
            "state": state, "state_code": it.state, "overdue": overdue, "chases": chases.get(it.id, 0),
            "card": CARD_LABELS.get(it.card, (it.card, it.card))[1 if en else 0], "card_code": it.card,
            "material": MATERIAL_LABELS[it.id in material][1 if en else 0] if it.state in FINISHED else "",
            "has_material": it.id in material,
            "light": lights.text(lit.get(it.id), lang), "light_code": (lit.get(it.id) or {}).get("light"),
            "proposal": (it.assignment or {}).get("opinion") or "",
            "instruction": (it.assignment or {}).get("instruction") or "",
            "urgency": URGENCY_LABELS[u][1 if en else 0] if (u := urgency_of(it.subject)) else "",
            "reply": _reply(it.assignment or {}, en),
            "rating": rating_reads.cell(getattr(it, "rating", None), lang),
        })
    return rows


def _reply(a: dict, en: bool) -> str:
    """办复情况: the reply's number and date, approved by the office director or waiting for it."""
    if not a.get("reply_number"):
        return ""
    ref = f"{a['reply_number']} ({a.get('reply_date') or ''})" if en else f"{a['reply_number']}（{a.get('reply_date') or ''}）"
    if a.get("reply_decision") == "approve":
        return f"Replied: {ref}" if en else f"已办复：{ref}"
    if a.get("reply_decision") == "redo":
        return f"Sent back for changes: {ref}" if en else f"退回修改：{ref}"
    return f"Awaiting approval: {ref}" if en else f"待审核：{ref}"


def ledger_headers(lang: str = "zh") -> list[str]:
    return [en if lang.startswith("en") else zh for _, zh, en in LEDGER_COLUMNS]


def source_label(defn: Any, value: Any, lang: str) -> str:
    """The label of a subject's `source` (会议决定, 领导批示, ...) as its definition names it, else ''."""
    f = defn.fields.get("source") if defn is not None and value else None
    label = (f.labels or {}).get(value) if f is not None else None
    return label.text(lang[:2]) if label is not None else (str(value) if value else "")


def _source(site: Site, it: Any, lang: str) -> str:
    """来源/批示领导: the source (领导批示 / 会议决定 ...) and instructing leader of a directive, the sender (and number) of a document, else the
    person who registered it."""
    s = it.subject or {}
    origin = source_label(site.definitions().get(it.definition_key), s.get("source"), lang)
    if s.get("leader"):
        leader = site.org.holder_name(Holder(person=s["leader"]), lang)
        return f"{origin} / {leader}" if origin else leader
    if origin:
        return origin
    if s.get("sender"):
        return " ".join(x for x in (s["sender"], s.get("doc_number")) if x)
    return site.org.holder_name(Holder(person=it.initiator), lang)


def _lead(site: Site, it: Any, lang: str) -> str:
    lead = (it.assignment or {}).get("lead")
    if lead and lead.get("person") in site.org.people:  # handed to a person: their unit, and who handles it
        unit = site.org.people[lead["person"]].unit
        person = site.org.holder_name(Holder(person=lead["person"]), lang)
        return f"{_unit_name(site, unit, lang)} ({person})" if lang.startswith("en") else \
            f"{_unit_name(site, unit, lang)}（{person}）"
    if lead:
        return site.org.holder_name(Holder(**lead), lang)
    unit = (it.subject or {}).get("lead_unit")
    return _unit_name(site, unit, lang) if unit else ""


def _co(site: Site, it: Any, lang: str) -> str:
    co = (it.assignment or {}).get("co")
    if co is None:
        co = (it.subject or {}).get("co_units") or []
    names = [site.org.holder_name(site.org.target(u), lang) if u in site.org.units or u in site.org.people else u
             for u in co]
    return ("、" if not lang.startswith("en") else ", ").join(names)


# the ledger's words for an item's people, for the slips (engine.reads.slips) to say the same
source_of, lead_of, co_of = _source, _lead, _co
