"""The SQL of task metrics over the engine's own tables (task, event, appraisal_cycle): one aggregate over a
period's tasks and one over its chase and escalation events, grouped by holder, with the evidence ids of every
figure; and the few rows read for extensions and rework. engine.appraisal.metrics attributes the rows to people
and turns them into figures; this module only reads. A `duban_wd` temporary table carries the working-day counts
that handling days need (PostgreSQL: by local date; SQLite, which keeps UTC text: by UTC date and turning time)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import AppraisalCycle, Task, UTCDateTime

T_TASK, T_CYCLE = Task.__table__, AppraisalCycle.__table__
HANDLING_WINDOW_DAYS = 3 * 366  # working days are counted within this many days before the period's end


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
    """Chases, escalations and missed report windows (未按期反馈, engine.core.checkpoints) per holder: counted per task first (one pass over the period's events), then joined
    to the tasks in id order, so each task is read once and the evidence ids come out ascending."""
    scan = "event e" if dialect == "postgresql" else "event AS e NOT INDEXED"
    c = lambda cond: _concat(dialect, cond, "x.task_id")  # noqa: E731
    return f"""SELECT {HOLDER}, SUM(x.chases) AS chases, SUM(x.escalations) AS escalations,
  SUM(x.reports_missed) AS reports_missed,
  {c("x.chases > 0")} AS chase_ids, {c("x.escalations > 0")} AS escalation_ids,
  {c("x.reports_missed > 0")} AS reports_missed_ids
FROM (SELECT e.task_id, SUM(CASE WHEN e.kind = 'chase' THEN 1 ELSE 0 END) AS chases,
             SUM(CASE WHEN e.kind = 'escalate' THEN 1 ELSE 0 END) AS escalations,
             SUM(CASE WHEN e.kind = 'report_missed' THEN 1 ELSE 0 END) AS reports_missed
      FROM {scan} WHERE e.kind IN ('chase', 'escalate', 'report_missed') AND e.at >= :s AND e.at < :e
      GROUP BY e.task_id) x
JOIN task t ON t.id = x.task_id
WHERE t.kind = 'work' AND {EXCLUDE}{_filter(units)}
GROUP BY 1, 2, 3, 4"""


def working_day_table(*, conn: Connection, cal: Any, start: datetime, end: datetime) -> None:
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


def metric_rows(*, conn: Connection, cal: Any, start: datetime, end: datetime,
                scope: dict | None) -> tuple[list[Any], list[Any]]:
    """The period's task aggregates and chase/escalation aggregates, one row per holder (task_sql, event_sql)."""
    dialect = conn.dialect.name
    working_day_table(conn=conn, cal=cal, start=start, end=end)
    params, binds = _params(start, end, cal.tz, scope)
    stmt, p = _stmt(task_sql(dialect, scope is not None), binds, params)
    tasks = list(conn.execute(stmt, p))
    stmt, p = _stmt(event_sql(dialect, scope is not None), binds, params)
    return tasks, list(conn.execute(stmt, p))


def cycle_item_ids(*, conn: Connection) -> set[int]:
    """The items that are appraisal cycles (their tasks never count)."""
    return set(conn.execute(sa.select(T_CYCLE.c.instance_id)).scalars())


def extension_and_reject_events(*, conn: Connection, start: datetime, end: datetime) -> list[Any]:
    """Approved extensions and verify rejections in [start, end) outside appraisal cycles, in order."""
    scan = "event e" if conn.dialect.name == "postgresql" else "event AS e NOT INDEXED"  # one pass, no hops
    q = sa.text(f"SELECT e.kind, e.instance_id, e.at, e.data FROM {scan} WHERE e.kind IN ('extension_approved', "
                f"'reject') AND e.at >= :s AND e.at < :e AND e.instance_id NOT IN "
                f"(SELECT c.instance_id FROM appraisal_cycle c) ORDER BY e.id").bindparams(
        sa.bindparam("s", type_=UTCDateTime()), sa.bindparam("e", type_=UTCDateTime())).columns(
        kind=sa.String(), instance_id=sa.Integer(), at=UTCDateTime(), data=sa.JSON())
    return list(conn.execute(q, {"s": start, "e": end}))


_WORK_COLS = ("id", "instance_id", "step", "part", "person", "unit", "role", "closed_by", "state", "due_at",
              "closed_at", "data")


def work_tasks(*, conn: Connection, ids: list[int]) -> list[Any]:
    """Work tasks by id (holder, state, times, data)."""
    if not ids:
        return []
    t = T_TASK.c
    return list(conn.execute(sa.select(*(t[c] for c in _WORK_COLS)).where(t.id.in_(ids), t.kind == "work")))


def done_handling_tasks(*, conn: Connection, item_ids: list[int]) -> list[Any]:
    """Done lead and single work tasks of the items (the work a reviewer may send back)."""
    t = T_TASK.c
    return list(conn.execute(sa.select(*(t[c] for c in _WORK_COLS)).where(
        t.instance_id.in_(item_ids), t.kind == "work", t.state == "done", t.part.in_(["lead", "single"]))))
