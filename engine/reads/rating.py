"""办结评价 as people read it: an item's rating (value, words, comment, who rated, when, or that it waits), the
ledger's cell, and satisfaction by lead unit for the board (counted from the rows the board loaded)."""
from __future__ import annotations

from typing import Any

from engine.core import rating as core
from engine.core.model import ItemSnap
from engine.core.states import OPEN_TASK_STATES, TaskKind


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


def tally(items: list[Any], org: Any, lang: str = "zh") -> list[dict]:
    """The board's 办结评价 by lead unit, from item rows (each with `rating` and `lead_unit`)."""
    counts: dict[str, dict[str, int]] = {}
    for it in items:
        value, unit = getattr(it, "rating", None), getattr(it, "lead_unit", None)
        if value and unit:
            c = counts.setdefault(unit, {})
            c[value] = c.get(value, 0) + 1
    return tally_counts([(u, v, n) for u, c in counts.items() for v, n in c.items()], org, lang)


def tally_counts(rows: list[Any], org: Any, lang: str = "zh") -> list[dict]:
    """The board's 办结评价 by lead unit from (lead unit, rating, how many) rows, as the database counts them over
    the board's items (its filters and the viewer's visibility applied): per unit how many were rated 满意 /
    基本满意 / 不满意, how many lapsed (未评价, `none`), and the score (满意 100, 基本满意 80, 不满意 40, averaged
    over the rated ones; None when none was rated). Units in the organisation's order; units without a rated or
    lapsed item left out."""
    counts: dict[str, dict[str, int]] = {}
    for unit, value, n in rows:
        if value and unit:
            c = counts.setdefault(unit, {})
            c[value] = c.get(value, 0) + int(n)
    out = []
    for unit in [u for u in org.units if u in counts] + sorted(u for u in counts if u not in org.units):
        c = counts[unit]
        rated = sum(c.get(k, 0) for k in core.RATINGS)
        score = sum(core.SCORES[k] * c.get(k, 0) for k in core.RATINGS) / rated if rated else None
        u = org.units.get(unit)
        out.append({"unit": unit, "name": (u.name_en if lang.startswith("en") else u.name_zh) if u else unit,
                    **{k: c.get(k, 0) for k in (*core.RATINGS, core.NOT_RATED)}, "rated": rated,
                    "score": round(score, 1) if score is not None else None})
    return out
