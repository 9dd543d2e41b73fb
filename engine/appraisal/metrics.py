"""Task metrics per person per period, from the engine's tasks and audit events; each figure keeps the ids of the
tasks it counted (evidence).

Who a task counts for (attribution): a task held by a person counts for that person (after a transfer the new
holder has a task of their own); a task held by a unit (its queue) counts for the unit's head as frozen when the
cycle opened; a task held by a role counts for whoever closed it, or while open for the role's only holder (if the
role has several holders, for nobody). Only `work` tasks count, never those of appraisal cycles.

The figures, for the period [start, end) in the site's time zone:
  assigned        tasks received in the period (created in it), except those cancelled or not needed in the end
  completed       tasks done in the period (by part: completed_single, completed_lead, co_handled = co-handling)
  late            of those, done after their due time; an extension approved before the due date moved the due
                  time, one approved after it did not (the task stays late); completed_on_time = completed − late
  overdue_open    tasks still open at the end of the period and past due by then (same extension rule)
  handling_days   working days from receiving to completing, summed over `completed` (avg_handling_days)
  chases          chase events (timer chases and manual 催办) on the person's tasks in the period
  escalations     escalation events (yellow and red cards) on the person's tasks in the period
  reports_missed  report windows (定期反馈) closed without a progress report on the person's tasks in the period
                  (未按期反馈, engine.core.checkpoints)
  transfers_out   tasks the person transferred on (转办) in the period
  returns         the person's completed work sent back by a reviewer (审核退回重办) in the period
  extensions      extensions approved on the person's tasks in the period (extensions_after_due: those approved
                  after the due date had passed)
  satisfaction    办结评价 given in the period on items the person led (the item's last completed lead task of
                  handling counts for whom it is attributed to): 满意 100, 基本满意 80, 不满意 40, averaged over the
                  rated items (None when none was rated; 未评价 is not counted); `rated`, `basically_satisfied`
                  and `unsatisfied` count them; evidence: the lead tasks (engine.appraisal.rating_metrics)

One SQL aggregate over the period's tasks (grouped by holder, then attributed), one over its chase and escalation
events, and a few rows read for extensions and rework (the SQL: engine.store.metrics). A unit's people can be
computed alone (`units=[...]`): the same statements with a filter, so a per-unit run and a whole run give the
same figures.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from engine.appraisal import rating_metrics
from engine.store import metrics as metric_sql
from engine.store.db import Connection

EVIDENCE_KEYS = ("assigned", "completed", "late", "overdue_open", "transfers_out", "co_handled", "chases",
                 "extensions_after_due",
                 "escalations", "returns", "extensions", "rated", "basically_satisfied", "unsatisfied",
                 "reports_missed")


def attribute(person: str | None, unit: str | None, role: str | None, closed_by: str | None, heads: dict,
              sole: dict) -> str | None:
    """Who a task counts for (see the module docstring)."""
    if person:
        return person
    if unit:
        return heads.get(unit)
    if closed_by:
        return closed_by
    return sole.get(role) if role else None


# ---------------------------------------------------------------- the figures

def compute(conn: Connection, *, cal: Any, start: datetime, end: datetime, people: set[str], heads: dict,
            sole: dict, scope: dict | None = None) -> dict[str, dict]:
    """{login: {"figures": {...}, "evidence": {figure: "id,id,..."}}} for `people` (everyone counted gets a row).

    `scope`, for a per-unit run: {"members": [...], "headed": [units they head], "roles": [roles they solely hold]}."""
    parts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    late_extended: set[int] = set()
    task_rows, event_rows = metric_sql.metric_rows(conn=conn, cal=cal, start=start, end=end, scope=scope)
    for r in task_rows:
        who = attribute(r.person, r.unit, r.role, r.closed_by, heads, sole)
        if who not in people:
            continue
        for k in ("assigned", "completed", "late", "overdue_open", "transfers_out", "co_handled"):
            v = getattr(r, k)
            if v:
                parts[who][k].append(v)
        sums[who]["completed_lead"] += int(r.completed_lead or 0)
        sums[who]["handling_days"] += int(r.handling_days or 0)
        late_extended.update(_ids(r.late_extended or ""))

    for r in event_rows:
        who = attribute(r.person, r.unit, r.role, r.closed_by, heads, sole)
        if who not in people:
            continue
        sums[who]["chases"] += int(r.chases or 0)
        sums[who]["escalations"] += int(r.escalations or 0)
        sums[who]["reports_missed"] += int(r.reports_missed or 0)
        for key, ids in (("chases", r.chase_ids), ("escalations", r.escalation_ids),
                         ("reports_missed", r.reports_missed_ids)):
            if ids:
                parts[who][key].append(ids)

    extra = _extensions_and_rework(conn, start, end, people, heads, sole, sorted(late_extended))
    out: dict[str, dict] = {}
    for login in sorted(people):
        # one group's ids come ascending; several groups' (a head's own and their unit's) are merged and sorted
        ev = {k: (v[0] if len(v) == 1 else _join(v, True)) for k, v in parts.get(login, {}).items()}
        for k, ids in extra.get(login, {}).items():
            if k in ("late", "overdue_open"):  # extensions approved after the due date: late all the same
                ids = sorted(set(ids) - set(_ids(ev.get(k, ""))))
                if ids:
                    ev[k] = _join([ev.get(k, ""), ",".join(map(str, ids))], True)
            else:
                ev[k] = ",".join(map(str, sorted(ids)))
        out[login] = {"figures": _figures(ev, sums.get(login, {}), extra.get(login, {})), "evidence":
                      {k: v for k, v in ev.items() if v}}
    rating_metrics.add(out, rating_metrics.collect(conn, start=start, end=end, people=people, heads=heads,
                                                   sole=sole, attribute=attribute))
    return out


def _ids(s: str) -> list[int]:
    return [int(x) for x in s.split(",")] if s else []


def _join(pieces: list[str], resort: bool) -> str:
    pieces = [p for p in pieces if p]
    if not resort or not pieces:
        return ",".join(pieces)
    return ",".join(map(str, sorted(set(x for p in pieces for x in _ids(p)))))


def _count(s: str | None) -> int:
    return s.count(",") + 1 if s else 0


def _figures(ev: dict[str, str], sums: dict[str, int], extra: dict[str, list[int]]) -> dict:
    completed, late = _count(ev.get("completed")), _count(ev.get("late"))
    co, lead = _count(ev.get("co_handled")), int(sums.get("completed_lead", 0))
    days = int(sums.get("handling_days", 0))
    return {
        "assigned": _count(ev.get("assigned")), "completed": completed, "completed_on_time": completed - late,
        "late": late, "on_time_rate": round((completed - late) / completed, 4) if completed else None,
        "overdue_open": _count(ev.get("overdue_open")), "handling_days": days,
        "avg_handling_days": round(days / completed, 2) if completed else None,
        "chases": int(sums.get("chases", 0)), "escalations": int(sums.get("escalations", 0)),
        "reports_missed": int(sums.get("reports_missed", 0)),
        "transfers_out": _count(ev.get("transfers_out")), "returns": _count(ev.get("returns")),
        "co_handled": co, "completed_lead": lead, "completed_single": completed - lead - co,
        "extensions": len(extra.get("extensions", [])),
        "extensions_after_due": len(extra.get("extensions_after_due", [])),
    }


def _extensions_and_rework(conn: Connection, start: datetime, end: datetime, people: set[str], heads: dict,
                           sole: dict, late_extended: list[int]) -> dict[str, dict[str, list[int]]]:
    """Per person: `extensions` (task ids, once per approval in the period), `extensions_after_due`, the late and
    overdue corrections for tasks extended after their due date, and `returns` (work sent back by a reviewer)."""
    excluded = metric_sql.cycle_item_ids(conn=conn)
    rows = metric_sql.extension_and_reject_events(conn=conn, start=start, end=end)
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    targets = sorted({int((r.data or {}).get("target")) for r in rows if r.kind == "extension_approved"
                      and (r.data or {}).get("target") is not None} | set(late_extended))
    for t in metric_sql.work_tasks(conn=conn, ids=targets):
        who = attribute(t.person, t.unit, t.role, t.closed_by, heads, sole)
        if who not in people:
            continue
        first_late = None
        for x in (t.data or {}).get("extensions") or []:
            if start <= datetime.fromisoformat(x["approved_at"]) < end:
                out[who]["extensions"].append(t.id)
                if not x.get("before_due"):
                    out[who]["extensions_after_due"].append(t.id)
            if not x.get("before_due") and first_late is None:
                first_late = datetime.fromisoformat(x["old_due"])
        if first_late is None or t.instance_id in excluded:
            continue
        if t.state == "done" and t.closed_at is not None and start <= t.closed_at < end and t.closed_at > first_late:
            out[who]["late"].append(t.id)
        if (t.closed_at is None or t.closed_at >= end) and first_late < end:
            out[who]["overdue_open"].append(t.id)
    rejects = [r for r in rows if r.kind == "reject" and (r.data or {}).get("to_step")]
    if rejects:
        done = defaultdict(list)
        for t in metric_sql.done_handling_tasks(conn=conn, item_ids=sorted({r.instance_id for r in rejects})):
            done[(t.instance_id, t.step)].append(t)
        for r in rejects:
            before = [t for t in done[(r.instance_id, r.data["to_step"])] if t.closed_at <= r.at]
            if not before:
                continue
            t = max(before, key=lambda x: (x.closed_at, x.id))
            who = attribute(t.person, t.unit, t.role, t.closed_by, heads, sole)
            if who in people:
                out[who]["returns"].append(t.id)
    return out
