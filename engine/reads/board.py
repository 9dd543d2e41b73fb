"""The supervision board (督办看板) from counts the database makes (engine.store.board_counts): the same numbers as
the definitions kept in tests/support/board_reference.py (today's loop over every item, the reference a test
compares with on a varied store), at a cost of what the board shows: GROUP BY counts, the carded and due-soon rows,
and the weeks of the chart. Grouping by unit, by leader (the `leader` subject field), by source or by level."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from engine.core import policy
from engine.core.org import Holder
from engine.core.states import is_overdue, overdue_days
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import board_counts as counts_store, db

GROUP_BY = ("unit", "leader", "source", "level")
NOT_SET = ("未填", "Not set")
SOURCE_LABELS = {"meeting": ("会议议定", "Meeting"), "instruction": ("领导批示", "Leader's instruction"),
                 "superior": ("上级交办", "From a superior"), "document": ("来文办理", "Incoming document"),
                 "other": ("其他", "Other")}
LEVEL_LABELS = {"normal": ("一般", "Normal"), "key": ("重点", "Key"), "flagged": ("挂牌督办", "Flagged")}


def summary(site, *, login: str, filters, lang: str = "zh", weeks: int = 12, group_by: str | None = None) -> dict:
    """engine.reads.supervision.summary's board (same keys and numbers), plus `groups` when `group_by` is given."""
    from engine.reads import supervision as sv  # the helpers for names and the filters (that module delegates here)
    actor = site.actor(login)
    policy.require_supervisor(actor)
    now, cal = site.clock.now(), site.cal
    soon = cal.add_working_days(now, sv.UPCOMING_WORKING_DAYS)
    narrowing = sv.narrowing(site, filters)
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, actor.login, conn)
        kw = dict(conn=conn, viewer=viewer, narrowing=narrowing, now=now)
        counts = counts_store.item_counts(**kw, soon=soon)
        holders = counts_store.work_by_holder(**kw)
        carded, work = counts_store.carded_items(**kw)
        due = counts_store.due_within(**kw, soon=soon)
        series = _weeks(site, kw, now, filters.until, weeks)
        groups = _groups(site, kw, group_by, lang) if group_by and group_by != "unit" else None
    base = {k: 0 for k in ("total", "running", "overdue", "due_soon", "completed", "archived", "cancelled",
                           "yellow", "red", "with_material", "without_material")}
    counts = base | counts
    units = {u: {"unit": u, "name": sv._unit_name(site, u, lang), "open": 0, "overdue": 0, "on_time": 0, "late": 0,
                 "received": 0, "closed": 0, "chases": 0, "yellow": 0, "red": 0} for u in site.org.units}
    for h in holders:
        u = sv._unit_of(site, h)
        if u in units:
            for k in ("received", "closed", "chases", "yellow", "red", "open", "overdue", "late", "on_time"):
                units[u][k] += int(getattr(h, k))
    for u in units.values():
        u["rate"] = sv._rate(u["on_time"], u["late"])
    cards = []
    for it in carded:
        open_work = [x for x in work[it.id] if x.state in sv._OPEN]
        late_open = [x for x in open_work if is_overdue(x.state, x.due_at, now)]
        counts[it.card] += 1
        cards.append(sv._brief(site, it, lang) | {"card": it.card, "overdue_days": max(
            (overdue_days(x.due_at, now, cal) for x in late_open), default=0),
            "holders": [sv._holder(site, x, lang) for x in late_open or open_work]})
    upcoming = [sv._brief(site, it, lang) | {"task_id": x.id, "holder": sv._holder(site, x, lang), "due_at": x.due_at,
                                             "working_days_left": cal.working_days_between(now, x.due_at)}
                for it, x in due]
    on_time, late = sum(u["on_time"] for u in units.values()), sum(u["late"] for u in units.values())
    totals = {"new": counts["total"], "closed": counts["completed"] + counts["archived"], "on_time": on_time,
              "late": late, "overdue": counts["overdue"], "rate": sv._rate(on_time, late)}
    cards.sort(key=lambda c: (c["card"] != "red", -c["overdue_days"], c["id"]))
    upcoming.sort(key=lambda c: (c["due_at"], c["id"]))
    out = {"now": now, "counts": counts, "totals": totals, "by_unit": list(units.values()), "cards": cards,
           "upcoming": upcoming, "weeks": series}
    if group_by:
        out["group_by"] = group_by
        out["groups"] = groups if groups is not None else [
            {"key": u["unit"], "name": u["name"], "total": u["received"], "running": u["open"], "closed": u["closed"],
             "overdue": u["overdue"], "on_time": u["on_time"], "late": u["late"], "rate": u["rate"]}
            for u in units.values()]
    return out


def _weeks(site: Site, kw: dict, now: datetime, until: date | None, n: int) -> list[dict]:
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


def _groups(site: Site, kw: dict, field: str, lang: str) -> list[dict]:
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
    labels = SOURCE_LABELS if field == "source" else LEVEL_LABELS
    return labels[key][en] if key in labels else key
