"""Today's board (督办看板) as it was computed before issue 17: every narrowed item and task loaded into Python and
counted in a loop. Kept as the reference definitions: tests/reads/test_board_counts.py checks that the board counted
by the database (engine.reads.board) equals this on a varied store, and bench/board.py measures both."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from engine.core import policy
from engine.core.states import ItemState, is_overdue, overdue_days
from engine.reads.supervision import (
    FINISHED, UPCOMING_WORKING_DAYS, WEEKS, Filters, _HANDLING, _OPEN, _brief, _holder, _late, _load, _rate,
    _unit_name, _unit_of, _with_material,
)
from engine.reads import lights, rating as rating_reads
from engine.runtime.site import Site


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
            "weeks": weeks_of(site, items, tasks, now, filters.until, weeks),
            "lights": lights.light_counts(site, items, tasks, now, lang),
            "satisfaction": rating_reads.tally(items, site.org, lang)}


def weeks_of(site: Site, items: list[Any], tasks: dict[int, list[Any]], now: datetime, until: date | None,
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


