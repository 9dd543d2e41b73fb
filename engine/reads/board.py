"""Parts of the supervision board (督办看板, engine.reads.supervision.summary) read from counts the database makes:
the counts by state, by holder and by 办结评价 (`counted`: from the maintained tally, engine.store.board_tally,
where the narrowing allows, else engine.store.board_counts), the weekly series of completions and items that fell
overdue over only the weeks shown, and the board grouped by leader (the `leader` subject field), source or level,
with their names."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from engine.core.org import Holder
from engine.reads import lights
from engine.runtime.site import Site
from engine.store import board_counts as counts_store, board_tally as tally_store
from engine.store.board import Narrowing
from engine.store.board_counts import FINISHED

GROUP_BY = ("unit", "leader", "source", "level")
NOT_SET = ("未填", "Not set")


@dataclass
class Work:
    """Work by (unit, person), as engine.store.board_counts.work_by_holder's rows."""

    unit: str | None
    person: str | None
    received: int = 0
    closed: int = 0
    chases: int = 0
    yellow: int = 0
    red: int = 0
    open: int = 0
    overdue: int = 0
    late: int = 0
    on_time: int = 0


def tallied(viewer: Any, nar: Narrowing) -> bool:
    """Whether the tally can answer: a viewer who sees every item that is not confidential, narrowed by definition,
    state and the days issued only. A unit (any task of its people), a search, the overdue filter and the level or
    light filters (items by id) are counted by today's queries (engine.store.board_counts), as are viewers who see
    only what involves them or their unit."""
    return bool(viewer.sees_all) and not (nar.unit or nar.q or nar.overdue is not None or nar.ids is not None)


def counted(kw: dict, soon: datetime) -> tuple[dict[str, int], list[Any], list[Any]]:
    """The counts by state (with overdue, due soon and completion material), the work by holder and the 办结评价 by
    lead unit over the narrowed items: (counts, holders, ratings), as engine.store.board_counts counts them."""
    if not tallied(kw["viewer"], kw["narrowing"]):
        return (counts_store.item_counts(**kw, soon=soon), counts_store.work_by_holder(**kw),
                counts_store.ratings_by_unit(**kw))
    conn, nar, now = kw["conn"], kw["narrowing"], kw["now"]
    day_from, from_at = _whole_day(nar.created_from, up=True)
    day_before, before_at = _whole_day(nar.created_before, up=False)
    rows = tally_store.tally(conn=conn, definition=nar.definition, exclude_definitions=nar.exclude_definitions,
                             state=nar.state, day_from=day_from, day_before=day_before)
    rows += counts_store.untallied_shares(**kw, from_at=from_at, before_at=before_at)
    counts: dict[str, int] = {"total": 0}
    finished = material = 0
    ratings: dict[tuple[str, str], int] = {}
    holders: dict[tuple, Work] = {}
    for r in rows:
        if r.kind == "item":
            if r.n:
                counts[r.state] = counts.get(r.state, 0) + int(r.n)
            counts["total"] += int(r.n)
            if r.state in FINISHED:
                finished, material = finished + int(r.n), material + int(r.material)
            if r.rating and r.lead_unit:
                ratings[(r.lead_unit, r.rating)] = ratings.get((r.lead_unit, r.rating), 0) + int(r.n)
            continue
        h = _holder(holders, r.unit or None, r.person or None)
        for k, m in (("received", "n"), ("closed", "closed"), ("chases", "chases"), ("yellow", "yellow"),
                     ("red", "red"), ("late", "late_if_past"), ("on_time", "on_time_done")):
            setattr(h, k, getattr(h, k) + int(getattr(r, m)))
        if r.state == "running":  # open work of running items; overdue unless undated or not due yet (below)
            h.open += int(r.open)
            h.overdue += int(r.open) - int(r.open_undated)
    for r in counts_store.ahead_by_holder(**kw):  # not due yet: not late (done, it is on time), not overdue
        h = _holder(holders, r.unit, r.person)
        h.late -= int(r.ahead)
        h.on_time += int(r.done)
        h.overdue -= int(r.open)
    overdue, due_soon = counts_store.open_item_counts(**kw, soon=soon)
    counts.update(overdue=overdue, due_soon=due_soon, with_material=material, without_material=finished - material)
    return counts, list(holders.values()), [(u, v, n) for (u, v), n in ratings.items()]


def _holder(holders: dict[tuple, Work], unit: str | None, person: str | None) -> Work:
    return holders.setdefault((unit, person), Work(unit, person))


def _whole_day(at: datetime | None, *, up: bool) -> tuple[date | None, datetime | None]:
    """The UTC day boundary at or after (`up`) or at or before `at`: the tally's whole days start there."""
    if at is None:
        return None, None
    at = at.astimezone(timezone.utc)
    day = at.date()
    if up and at != datetime.combine(day, time(0), timezone.utc):
        day += timedelta(days=1)
    return day, datetime.combine(day, time(0), timezone.utc)


def weeks(site: Site, kw: dict, now: datetime, until: date | None, n: int) -> list[dict]:
    """Items completed, and items that fell overdue (a late work task due that week), in each of the last `n`
    weeks (Monday to Sunday), reading only those weeks (a day wider each side, then placed by local date)."""
    cal = site.cal
    last = min(until, cal.local_date(now)) if until else cal.local_date(now)
    monday = last - timedelta(days=last.weekday())
    starts = [monday - timedelta(weeks=k) for k in range(n - 1, -1, -1)]
    out = {s: {"start": s, "label": f"{s.month}/{s.day}", "completed": 0, "overdue": 0} for s in starts}
    if not starts:
        return []
    start = datetime.combine(starts[0] - timedelta(days=1), time(0), cal.tz)
    end = datetime.combine(monday + timedelta(days=8), time(0), cal.tz)

    def week(when: datetime) -> date:
        d = cal.local_date(when)
        return d - timedelta(days=d.weekday())

    for closed in counts_store.closed_between(**kw, start=start, end=end):
        if (w := week(closed)) in out:
            out[w]["completed"] += 1
    for w, _ in {(week(due), item) for item, due in counts_store.late_due_between(**kw, start=start, end=end)}:
        if w in out:
            out[w]["overdue"] += 1
    return list(out.values())


def groups(site: Site, kw: dict, field: str, lang: str) -> list[dict]:
    """Items by a subject field's value: total, running, closed, overdue; unset values together as 未填."""
    en = lang.startswith("en")
    rows = counts_store.by_subject_field(**kw, field=field)
    merged: dict[str | None, dict] = {}
    for r in rows:
        key = r.value if r.value not in (None, "") else None
        g = merged.setdefault(key, {"key": key, "name": _group_name(site, field, key, en), "total": 0, "running": 0,
                                    "closed": 0, "overdue": 0})
        for k in ("total", "running", "closed", "overdue"):
            g[k] += int(getattr(r, k))
    return sorted(merged.values(), key=lambda g: (g["key"] is None, -g["total"], g["key"] or ""))


def _group_name(site: Site, field: str, key: str | None, en: bool) -> str:
    if key is None:
        return NOT_SET[en]
    if field == "leader":
        return site.org.holder_name(Holder(person=key), "en" if en else "zh") if key in site.org.people else key
    if field == "level":  # 一般 / 重点 / 挂牌督办 (engine.reads.lights, the one list of levels)
        return lights.level_label(key, "en" if en else "zh") if key in lights.LEVELS else key
    for defn in site.definitions().values():  # 来源: as the definitions that have the field name it
        label = (getattr(defn.fields.get(field), "labels", None) or {}).get(key)
        if label is not None:
            return label.text("en" if en else "zh")
    return key
