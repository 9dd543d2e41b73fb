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
  transfers_out   tasks the person transferred on (转办) in the period
  returns         the person's completed work sent back by a reviewer (审核退回重办) in the period
  extensions      extensions approved on the person's tasks in the period (extensions_after_due: those approved
                  after the due date had passed)

One SQL aggregate over the period's tasks (grouped by holder, then attributed), one over its chase and escalation
events, and a few rows read for extensions and rework. A unit's people can be computed alone (`units=[...]`):
the same statements with a filter, so a per-unit run and a whole run give the same figures.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import UTCDateTime

EVIDENCE_KEYS = ("assigned", "completed", "late", "overdue_open", "transfers_out", "co_handled", "chases",
                 "extensions_after_due",
                 "escalations", "returns", "extensions")
HANDLING_WINDOW_DAYS = 3 * 366  # working days are counted within this many days before the period's end


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


# ---------------------------------------------------------------- SQL

def _concat(dialect: str, cond: str, col: str = "t.id") -> str:
    if dialect == "postgresql":
        return f"string_agg(CASE WHEN {cond} THEN CAST({col} AS TEXT) END, ',' ORDER BY {col})"
    return f"group_concat(CASE WHEN {cond} THEN {col} END)"


def _filter(units: bool) -> str:
    if not units:
        return ""
    return (" AND (t.person IN :members OR (t.person IS NULL AND (t.unit IN :headed OR (t.unit IS NULL AND "
            "(t.closed_by IN :members OR (t.closed_by IS NULL AND t.role IN :roles))))))")


DONE = "t.state = 'done' AND t.closed_at >= :s AND t.closed_at < :e"
# the holder a task is attributed by: a person, a unit, or (held by a role) the role and who closed it; one group
# per person or unit, so that most people's ids come out of one group, ascending
_ROLE_HELD = "t.person IS NULL AND t.unit IS NULL"
HOLDER = (f"t.person AS person, t.unit AS unit, CASE WHEN {_ROLE_HELD} THEN t.role END AS role, "
          f"CASE WHEN {_ROLE_HELD} THEN t.closed_by END AS closed_by")
EXCLUDE = "t.instance_id NOT IN (SELECT c.instance_id FROM appraisal_cycle c)"
# tasks with an extension approved after their due date (machine-written JSON: `"before_due": false`)
LATE_EXTENSION = "CAST(t.data AS TEXT) LIKE '%\"before_due\": false%'"


def task_sql(dialect: str, units: bool) -> str:
    if dialect == "postgresql":
        local = "(t.{0} AT TIME ZONE :tz)::date"
        joins = (f" LEFT JOIN duban_wd wa ON wa.d = {local.format('created_at')}"
                 f" LEFT JOIN duban_wd wb ON wb.d = {local.format('closed_at')}")
        days, scan = "wb.c - wa.c", "task t"
    else:
        cum = ("(SELECT CASE WHEN substr(t.{0}, 12, 5) >= w.thr THEN w.c1 ELSE w.c0 END FROM duban_wd w "
               "WHERE w.d = substr(t.{0}, 1, 10))")
        joins, days = "", f"{cum.format('closed_at')} - {cum.format('created_at')}"
        scan = "task AS t NOT INDEXED"  # a scan in id order: ids come out ascending within each group
    c = lambda cond: _concat(dialect, cond)  # noqa: E731
    return f"""SELECT {HOLDER},
  {c("t.created_at >= :s AND t.state NOT IN ('cancelled', 'skipped')")} AS assigned,
  {c(DONE)} AS completed,
  {c(DONE + " AND t.closed_at > t.due_at")} AS late,
  {c("(t.closed_at IS NULL OR t.closed_at >= :e) AND t.due_at < :e")} AS overdue_open,
  {c("t.state = 'transferred' AND t.closed_at >= :s AND t.closed_at < :e")} AS transfers_out,
  {c(DONE + " AND t.part = 'co'")} AS co_handled,
  SUM(CASE WHEN {DONE} AND t.part = 'lead' THEN 1 ELSE 0 END) AS completed_lead,
  SUM(CASE WHEN {DONE} THEN {days} END) AS handling_days,
  {c(LATE_EXTENSION)} AS late_extended
FROM {scan}{joins}
WHERE t.kind = 'work' AND t.created_at < :e AND (t.closed_at IS NULL OR t.closed_at >= :s) AND {EXCLUDE}{_filter(units)}
GROUP BY 1, 2, 3, 4"""


def event_sql(dialect: str, units: bool) -> str:
    """Chases and escalations per holder: counted per task first (one pass over the period's events), then joined
    to the tasks in id order, so each task is read once and the evidence ids come out ascending."""
    scan = "event e" if dialect == "postgresql" else "event AS e NOT INDEXED"
    c = lambda cond: _concat(dialect, cond, "x.task_id")  # noqa: E731
    return f"""SELECT {HOLDER}, SUM(x.chases) AS chases, SUM(x.escalations) AS escalations,
  {c("x.chases > 0")} AS chase_ids, {c("x.escalations > 0")} AS escalation_ids
FROM (SELECT e.task_id, SUM(CASE WHEN e.kind = 'chase' THEN 1 ELSE 0 END) AS chases,
             SUM(CASE WHEN e.kind = 'escalate' THEN 1 ELSE 0 END) AS escalations
      FROM {scan} WHERE e.kind IN ('chase', 'escalate') AND e.at >= :s AND e.at < :e GROUP BY e.task_id) x
JOIN task t ON t.id = x.task_id
WHERE t.kind = 'work' AND {EXCLUDE}{_filter(units)}
GROUP BY 1, 2, 3, 4"""


def _working_day_table(conn: Connection, cal: Any, start: datetime, end: datetime) -> None:
    """duban_wd: the count of working days up to each date, for working days between two times in SQL."""
    last = cal.local_date(end)
    first = last - timedelta(days=HANDLING_WINDOW_DAYS)
    cum, n, d = {}, 0, first - timedelta(days=1)
    while d <= last + timedelta(days=1):
        n += 1 if cal.is_working_day(d) else 0
        cum[d] = n
        d += timedelta(days=1)
    pg = conn.dialect.name == "postgresql"
    if pg:
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS duban_wd (d DATE PRIMARY KEY, c INTEGER NOT NULL) "
                             "ON COMMIT DROP")
        conn.exec_driver_sql("DELETE FROM duban_wd")
        conn.execute(sa.text("INSERT INTO duban_wd (d, c) VALUES (:d, :c)"), [{"d": k, "c": v} for k, v in cum.items()])
        return
    conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS duban_wd (d TEXT PRIMARY KEY, thr TEXT NOT NULL, "
                         "c0 INTEGER NOT NULL, c1 INTEGER NOT NULL) WITHOUT ROWID")
    conn.exec_driver_sql("DELETE FROM duban_wd")
    rows = []
    for k in list(cum)[1:-1]:  # SQLite keeps UTC text: per UTC date, the time of day the local date turns
        off = cal.tz.utcoffset(datetime.combine(k, datetime.min.time()) + timedelta(hours=12))
        minutes = int(off.total_seconds() // 60)
        if minutes >= 0:
            turn = 24 * 60 - minutes
            rows.append({"d": k.isoformat(), "thr": f"{turn // 60:02d}:{turn % 60:02d}", "c0": cum[k],
                         "c1": cum[k + timedelta(days=1)]})
        else:
            rows.append({"d": k.isoformat(), "thr": f"{-minutes // 60:02d}:{-minutes % 60:02d}",
                         "c0": cum[k - timedelta(days=1)], "c1": cum[k]})
    conn.execute(sa.text("INSERT INTO duban_wd (d, thr, c0, c1) VALUES (:d, :thr, :c0, :c1)"), rows)


def _params(start: datetime, end: datetime, tz: Any, scope: dict | None) -> tuple[dict, list]:
    params: dict[str, Any] = {"s": start, "e": end, "tz": str(tz)}
    binds = [sa.bindparam("s", type_=UTCDateTime()), sa.bindparam("e", type_=UTCDateTime())]
    if scope is not None:
        params.update(scope)
        binds += [sa.bindparam(k, expanding=True, type_=sa.String()) for k in ("members", "headed", "roles")]
    return params, binds


def _stmt(sql: str, binds: list, params: dict) -> Any:
    used = [b for b in binds if f":{b.key}" in sql]
    return sa.text(sql).bindparams(*used), {k: v for k, v in params.items() if f":{k}" in sql}


# ---------------------------------------------------------------- the figures

def compute(conn: Connection, *, cal: Any, start: datetime, end: datetime, people: set[str], heads: dict,
            sole: dict, scope: dict | None = None) -> dict[str, dict]:
    """{login: {"figures": {...}, "evidence": {figure: "id,id,..."}}} for `people` (everyone counted gets a row).

    `scope`, for a per-unit run: {"members": [...], "headed": [units they head], "roles": [roles they solely hold]}."""
    dialect = conn.dialect.name
    _working_day_table(conn, cal, start, end)
    params, binds = _params(start, end, cal.tz, scope)
    parts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    late_extended: set[int] = set()

    stmt, p = _stmt(task_sql(dialect, scope is not None), binds, params)
    for r in conn.execute(stmt, p):
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

    stmt, p = _stmt(event_sql(dialect, scope is not None), binds, params)
    for r in conn.execute(stmt, p):
        who = attribute(r.person, r.unit, r.role, r.closed_by, heads, sole)
        if who not in people:
            continue
        sums[who]["chases"] += int(r.chases or 0)
        sums[who]["escalations"] += int(r.escalations or 0)
        for key, ids in (("chases", r.chase_ids), ("escalations", r.escalation_ids)):
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
        "transfers_out": _count(ev.get("transfers_out")), "returns": _count(ev.get("returns")),
        "co_handled": co, "completed_lead": lead, "completed_single": completed - lead - co,
        "extensions": len(extra.get("extensions", [])),
        "extensions_after_due": len(extra.get("extensions_after_due", [])),
    }


def _extensions_and_rework(conn: Connection, start: datetime, end: datetime, people: set[str], heads: dict,
                           sole: dict, late_extended: list[int]) -> dict[str, dict[str, list[int]]]:
    """Per person: `extensions` (task ids, once per approval in the period), `extensions_after_due`, the late and
    overdue corrections for tasks extended after their due date, and `returns` (work sent back by a reviewer)."""
    from engine.store.tables import AppraisalCycle, Event, Task

    E, T, C = Event.__table__, Task.__table__, AppraisalCycle.__table__
    cycles = sa.select(C.c.instance_id)
    excluded = set(conn.execute(cycles).scalars())
    scan = "event e" if conn.dialect.name == "postgresql" else "event AS e NOT INDEXED"  # one pass, no hops
    q = sa.text(f"SELECT e.kind, e.instance_id, e.at, e.data FROM {scan} WHERE e.kind IN ('extension_approved', "
                f"'reject') AND e.at >= :s AND e.at < :e AND e.instance_id NOT IN "
                f"(SELECT c.instance_id FROM appraisal_cycle c) ORDER BY e.id").bindparams(
        sa.bindparam("s", type_=UTCDateTime()), sa.bindparam("e", type_=UTCDateTime())).columns(
        kind=sa.String(), instance_id=sa.Integer(), at=UTCDateTime(), data=sa.JSON())
    rows = list(conn.execute(q, {"s": start, "e": end}))
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    cols = [T.c.id, T.c.instance_id, T.c.step, T.c.part, T.c.person, T.c.unit, T.c.role, T.c.closed_by, T.c.state,
            T.c.due_at, T.c.closed_at, T.c.data]
    targets = sorted({int((r.data or {}).get("target")) for r in rows if r.kind == "extension_approved"
                      and (r.data or {}).get("target") is not None} | set(late_extended))
    for t in (conn.execute(sa.select(*cols).where(T.c.id.in_(targets), T.c.kind == "work")) if targets else []):
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
        for t in conn.execute(sa.select(*cols).where(T.c.instance_id.in_(sorted({r.instance_id for r in rejects})),
                                                     T.c.kind == "work", T.c.state == "done",
                                                     T.c.part.in_(["lead", "single"]))):
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
