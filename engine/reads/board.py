"""Parts of the supervision board (督办看板, engine.reads.supervision.summary) read from counts the database makes
(engine.store.board_counts) over only the weeks shown: the weekly series of completions and items that fell
overdue, and the board grouped by leader (the `leader` subject field), source or level, with their names."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from engine.core.org import Holder
from engine.reads import lights
from engine.runtime.site import Site
from engine.store import board_counts as counts_store

GROUP_BY = ("unit", "leader", "source", "level")
NOT_SET = ("未填", "Not set")


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
