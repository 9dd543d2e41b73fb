"""The appraisal's `satisfaction` figures from 办结评价 (engine.core.rating): the ratings given in the period, each
counted for whom the item's last completed lead task of handling is attributed to (engine.appraisal.metrics
.attribute), with those lead tasks as evidence. 满意 100, 基本满意 80, 不满意 40, averaged over the rated items;
an item that lapsed to 未评价 is not counted; nobody rated: `satisfaction` is None (a formula using it leaves its
dimension out, as with on_time_rate and nothing completed)."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Callable

from engine.core.rating import RATINGS, SCORES
from engine.store import ratings as rating_sql


def collect(conn: Any, *, start: datetime, end: datetime, people: set[str], heads: dict, sole: dict,
            attribute: Callable[..., str | None]) -> dict[str, dict[str, list[int]]]:
    """{login: {rating: [lead task ids]}} for the ratings given in [start, end)."""
    last: dict[int, Any] = {}
    for r in rating_sql.rated_in(conn=conn, start=start, end=end):
        last[r.instance_id] = r  # rows come by task id: the last completed lead task of the item wins
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in last.values():
        if r.rating not in RATINGS:
            continue
        who = attribute(r.person, r.unit, r.role, r.closed_by, heads, sole)
        if who in people:
            out[who][r.rating].append(r.id)
    return out


def add(out: dict[str, dict], got: dict[str, dict[str, list[int]]]) -> None:
    """Each person's figures gain satisfaction, rated, basically_satisfied, unsatisfied; their evidence the ids."""
    for login, row in out.items():
        by = got.get(login, {})
        rated = sorted(i for k in RATINGS for i in by.get(k, []))
        n = len(rated)
        row["figures"].update(
            satisfaction=round(sum(SCORES[k] * len(by.get(k, [])) for k in RATINGS) / n, 2) if n else None,
            rated=n, basically_satisfied=len(by.get("basically", [])), unsatisfied=len(by.get("unsatisfied", [])))
        for key, ids in (("rated", rated), ("basically_satisfied", sorted(by.get("basically", []))),
                         ("unsatisfied", sorted(by.get("unsatisfied", [])))):
            if ids:
                row["evidence"][key] = ",".join(map(str, ids))
