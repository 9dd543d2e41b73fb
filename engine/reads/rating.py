"""办结评价 as people read it: an item's rating (value, words, comment, who rated, when, or that it waits), and
satisfaction by unit for the board (the lead unit's closed items by rating; engine.store.ratings does the SQL)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.core import rating as core
from engine.core.model import ItemSnap
from engine.core.states import OPEN_TASK_STATES, TaskKind
from engine.store import ratings as rating_store
from engine.store.db import Connection


def of_item(item: ItemSnap, value: str | None, org: Any, lang: str = "zh") -> dict:
    """{"value", "label", "comment", "by", "by_name", "on_behalf_of", "at", "due_at", "pending", "task_id"}; value
    None while the leader has not rated (pending while the task is open) or when no rating was asked."""
    task = next((t for t in reversed(item.tasks) if t.kind == TaskKind.rating), None)
    pending = task is not None and task.state in OPEN_TASK_STATES
    data = task.data if task is not None else {}
    if value is None and pending:
        words = core.PENDING
    elif value is None:
        words = ("—", "—")
    else:
        words = core.LABELS.get(value, core.LABELS[core.NOT_RATED])
    by = data.get("by")
    return {"value": value, "label": {"zh": words[0], "en": words[1]}, "comment": data.get("comment") or "",
            "by": by, "by_name": org.person_name(by, lang) if by else None,
            "on_behalf_of": data.get("on_behalf_of"), "at": data.get("at"),
            "due_at": task.due_at if pending else None, "pending": pending,
            "rater": org.holder_name(task.holder, lang) if task is not None else None,
            "task_id": task.id if task is not None else None}


def cell(value: str | None, lang: str = "zh") -> str:
    """The ledger's 办结评价 cell: 满意 / 基本满意 / 不满意 / 未评价, empty when no rating was asked (yet)."""
    return core.label(value, lang) if value else ""


def satisfaction_by_unit(conn: Connection, *, viewer: Any, start: datetime | None = None,
                         end: datetime | None = None) -> list[dict]:
    """Per lead unit, of the closed items `viewer` may see (closed in [start, end) when given): how many were rated
    满意 / 基本满意 / 不满意, how many lapsed (未评价), and the satisfaction score (满意 100, 基本满意 80, 不满意 40,
    averaged over the rated ones; None when none was rated)."""
    out = []
    for unit, counts in rating_store.counts_by_unit(conn=conn, viewer=viewer, start=start, end=end).items():
        rated = sum(counts.get(k, 0) for k in core.RATINGS)
        score = sum(core.SCORES[k] * counts.get(k, 0) for k in core.RATINGS) / rated if rated else None
        out.append({"unit": unit, **{k: counts.get(k, 0) for k in (*core.RATINGS, core.NOT_RATED)},
                    "rated": rated, "score": round(score, 1) if score is not None else None})
    return out


def satisfaction(site: Any, *, login: str, since: Any = None, until: Any = None, lang: str = "zh") -> list[dict]:
    """The board's 满意度 by unit: `satisfaction_by_unit` for the items `login` may see closed between the dates
    `since` and `until` (both included, the site's days), each row with the unit's name."""
    from datetime import time
    from engine.runtime import proxies
    from engine.store import db
    tz = site.cal.tz
    start = datetime.combine(since, time.min, tzinfo=tz) if since is not None else None
    end = datetime.combine(until, time.min, tzinfo=tz) + timedelta(days=1) if until is not None else None
    with db.read(site.eng) as conn:
        rows = satisfaction_by_unit(conn, viewer=proxies.viewer(site, login, conn), start=start, end=end)
    for r in rows:
        u = site.org.units.get(r["unit"])
        r["name"] = (u.name_en if lang.startswith("en") else u.name_zh) if u else r["unit"]
    return rows
