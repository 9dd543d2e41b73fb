"""Cycles that start by themselves: the appraisal definition's `trigger:` (09:00 on the first working day of each
quarter, site time) starts the cycle of the period that just ended through the recurring items' one mechanism
(engine.runtime.recurring: keyed once per period in period_run, so a restart, a second scheduler or a person
starting it by hand get the existing cycle; a trigger missed while the site was down starts its cycle at the next
start-up). This module maps those items to cycles and lets `duban appraise` start a period by hand."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from engine.appraisal import store
from engine.appraisal.periods import parse_period
from engine.core import recurrence
from engine.core.states import NotFound
from engine.runtime import recurring
from engine.store import db

log = logging.getLogger("duban.appraisal")
DEFINITION = "appraisal_quarterly"


def period_key(definition: str, period: str) -> str:
    return recurring.key_of(definition, period)


def initiator(site: Any) -> str:
    """Who starts a cycle that starts by itself: the office director (who calibrates), else an administrator."""
    return recurring.initiator(site)


def start_cycle(site: Any, period: str, *, by: str | None = None, definition: str = DEFINITION) -> tuple[int, bool]:
    """Start the cycle of `period` once: (cycle id, started now). A second call returns the existing cycle."""
    p = parse_period(period)
    span = recurrence.span_of(p.first, "quarterly" if "Q" in p.key else "monthly")
    s = recurring.start_period(site, definition, span, by=by)
    return _cycle_of(site, s.item_id), s.created


def opens_cycle(defn: Any) -> bool:
    """Whether a definition runs appraisal cycles (it has the `appraisal.open` stage)."""
    return any(getattr(s, "stage", None) == "appraisal.open" for s in defn.steps.values())


def cycle_subject(defn: Any, period: recurrence.Span) -> dict | None:
    """The subject of a cycle that starts by itself, else None (not an appraisal definition)."""
    return {"title": f"{period.title_zh}绩效考核", "period": period.key} if opens_cycle(defn) else None


def _cycle_of(site: Any, item_id: int) -> int:
    with db.read(site.eng) as conn:
        return store.cycle(conn=conn, instance_id=item_id).id


def ensure_cycle(site: Any, now: datetime | None = None) -> list[int]:
    """Start every appraisal cycle a trigger made due by `now` (engine.runtime.recurring.ensure_due for the
    definitions that open a cycle); the ids of the cycles started now."""
    out = []
    mine = {k for k, d in site.definitions().items() if opens_cycle(d)}
    for s in recurring.ensure_due(site, now, only=mine):
        try:
            out.append(_cycle_of(site, s.item_id))
        except NotFound:  # a recurring item that is not an appraisal cycle
            continue
    return out
