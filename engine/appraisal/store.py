"""Repository functions for the appraisal tables, keyword-only, each takes the connection; and the SQL the
appraisal reads from the engine's own tables (the metrics' aggregates, co-handling, items and definitions). The
appraisal's only SQL module: its rules (who a task counts for, what a figure means) stay in metrics and scope."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.appraisal.schemes import Scheme, parse_scheme
from engine.core.states import NotFound
from engine.store.tables import (
    AppraisalChange, AppraisalCycle, AppraisalMember, AppraisalMetric, AppraisalRating, AppraisalResult,
    AppraisalUnitRun, DefinitionRow, Event, Instance, Task, UTCDateTime,
)

CYCLE, MEMBER, METRIC = AppraisalCycle.__table__, AppraisalMember.__table__, AppraisalMetric.__table__
RATING, RESULT, CHANGE, UNIT_RUN = (AppraisalRating.__table__, AppraisalResult.__table__, AppraisalChange.__table__,
                                    AppraisalUnitRun.__table__)
LOCKED_STATES = ("calibrated", "published", "final")  # scores (and metrics) are no longer recomputed


def cycle(*, conn: Connection, cycle_id: int | None = None, instance_id: int | None = None,
          period: str | None = None, definition: str = "appraisal_quarterly") -> Any:
    """One cycle row by id, by its item, or by period; NotFound otherwise."""
    q = sa.select(CYCLE)
    if cycle_id is not None:
        q = q.where(CYCLE.c.id == cycle_id)
    elif instance_id is not None:
        q = q.where(CYCLE.c.instance_id == instance_id)
    else:
        q = q.where(CYCLE.c.period == period, CYCLE.c.definition_key == definition)
    row = conn.execute(q).first()
    if row is None:
        raise NotFound("没有这个考核周期", "no such appraisal cycle",
                       {"cycle": cycle_id} if cycle_id is not None else {"period": period})
    return row


def cycle_of_period(*, conn: Connection, definition: str, period: str) -> Any:
    """The cycle of a definition's period, or None."""
    return conn.execute(sa.select(CYCLE.c.id).where(CYCLE.c.definition_key == definition,
                                                    CYCLE.c.period == period)).first()


def insert_cycle(*, conn: Connection, row: dict, members: list[dict]) -> int:
    """A new cycle with its members; returns its id."""
    cid = conn.execute(CYCLE.insert(), [row]).inserted_primary_key[0]
    if members:
        conn.execute(MEMBER.insert(), [{"cycle_id": cid, **r} for r in members])
    return cid


def member_counts(*, conn: Connection, cycle_ids: list[int]) -> dict[int, int]:
    """How many people each cycle appraises."""
    if not cycle_ids:
        return {}
    q = sa.select(MEMBER.c.cycle_id, sa.func.count()).where(MEMBER.c.cycle_id.in_(cycle_ids)).group_by(MEMBER.c.cycle_id)
    return dict(conn.execute(q).all())


def cycles(*, conn: Connection) -> list[Any]:
    return list(conn.execute(sa.select(CYCLE).order_by(CYCLE.c.period_start.desc(), CYCLE.c.id.desc())))


def update_cycle(*, conn: Connection, cycle_id: int, **values: Any) -> None:
    conn.execute(CYCLE.update().where(CYCLE.c.id == cycle_id).values(**values))


@lru_cache(maxsize=64)
def _parse(source: str, file: str) -> Scheme:
    return parse_scheme(source, file)


def frozen_schemes(row: Any) -> dict[str, Scheme]:
    """The schemes frozen when the cycle opened, by category (parsed from the stored source)."""
    return {cat: _parse(s["source"], s["file"]) for cat, s in (row.schemes or {}).items()}


def members(*, conn: Connection, cycle_id: int, units: Iterable[str] | None = None) -> list[Any]:
    q = sa.select(MEMBER).where(MEMBER.c.cycle_id == cycle_id)
    if units is not None:
        q = q.where(MEMBER.c.unit.in_(list(units)))
    return list(conn.execute(q.order_by(MEMBER.c.login)))


def member(*, conn: Connection, cycle_id: int, login: str) -> Any:
    row = conn.execute(sa.select(MEMBER).where(MEMBER.c.cycle_id == cycle_id, MEMBER.c.login == login)).first()
    if row is None:
        raise NotFound(f"“{login}”不在本期考核范围内", f"{login!r} is not appraised in this cycle", {"person": login})
    return row


def units(*, conn: Connection, cycle_id: int) -> list[str]:
    return list(conn.execute(sa.select(MEMBER.c.unit).where(MEMBER.c.cycle_id == cycle_id)
                             .group_by(MEMBER.c.unit).order_by(MEMBER.c.unit)).scalars())


def replace_rows(*, conn: Connection, table: sa.Table, cycle_id: int, units: list[str] | None,
                 rows: list[dict]) -> None:
    """Delete a cycle's rows (of some units) and insert the new ones: re-running replaces, never duplicates."""
    q = table.delete().where(table.c.cycle_id == cycle_id)
    if units is not None:
        q = q.where(table.c.unit.in_(units))
    conn.execute(q)
    if rows:
        conn.execute(table.insert(), rows)


def unit_done(*, conn: Connection, cycle_id: int, stage: str, units: list[str], people: dict[str, int],
              now: datetime) -> None:
    conn.execute(UNIT_RUN.delete().where(UNIT_RUN.c.cycle_id == cycle_id, UNIT_RUN.c.stage == stage,
                                         UNIT_RUN.c.unit.in_(units)))
    conn.execute(UNIT_RUN.insert(), [{"cycle_id": cycle_id, "stage": stage, "unit": u, "people": people.get(u, 0),
                                      "at": now} for u in units])


def units_done(*, conn: Connection, cycle_id: int, stage: str) -> set[str]:
    return set(conn.execute(sa.select(UNIT_RUN.c.unit).where(UNIT_RUN.c.cycle_id == cycle_id,
                                                             UNIT_RUN.c.stage == stage)).scalars())


def metrics(*, conn: Connection, cycle_id: int, logins: list[str] | None = None,
            evidence: bool = True) -> dict[str, Any]:
    """Metric rows by login (without `evidence`: only the figures, for scoring)."""
    q = sa.select(METRIC) if evidence else sa.select(METRIC.c.login, METRIC.c.figures)
    q = q.where(METRIC.c.cycle_id == cycle_id)
    if logins is not None:
        q = q.where(METRIC.c.login.in_(logins))
    return {r.login: r for r in conn.execute(q)}


def ratings(*, conn: Connection, cycle_id: int, ratees: list[str] | None = None) -> dict[str, list[dict]]:
    q = sa.select(RATING.c.ratee, RATING.c.relation, RATING.c.scores, RATING.c.task_id) \
        .where(RATING.c.cycle_id == cycle_id)
    if ratees is not None:
        q = q.where(RATING.c.ratee.in_(ratees))
    out: dict[str, list[dict]] = {}
    for r in conn.execute(q.order_by(RATING.c.task_id)):
        out.setdefault(r.ratee, []).append({"relation": r.relation, "values": r.scores or {}, "task_id": r.task_id})
    return out


def add_rating(*, conn: Connection, row: dict) -> None:
    conn.execute(RATING.insert(), [row])


def results(*, conn: Connection, cycle_id: int, logins: list[str] | None = None) -> list[Any]:
    q = sa.select(RESULT).where(RESULT.c.cycle_id == cycle_id)
    if logins is not None:
        q = q.where(RESULT.c.login.in_(logins))
    return list(conn.execute(q.order_by(RESULT.c.category, RESULT.c.login)))


def result(*, conn: Connection, cycle_id: int, login: str) -> Any:
    row = conn.execute(sa.select(RESULT).where(RESULT.c.cycle_id == cycle_id, RESULT.c.login == login)).first()
    if row is None:
        raise NotFound(f"“{login}”没有本期考核结果", f"no result for {login!r} in this cycle", {"person": login})
    return row


def update_result(*, conn: Connection, cycle_id: int, login: str, **values: Any) -> None:
    conn.execute(RESULT.update().where(RESULT.c.cycle_id == cycle_id, RESULT.c.login == login).values(**values))


def set_results_revision(*, conn: Connection, cycle_id: int, revision: int) -> None:
    conn.execute(RESULT.update().where(RESULT.c.cycle_id == cycle_id).values(revision=revision))


def add_change(*, conn: Connection, row: dict) -> None:
    conn.execute(CHANGE.insert(), [row])


def changes(*, conn: Connection, cycle_id: int, login: str | None = None) -> list[Any]:
    q = sa.select(CHANGE).where(CHANGE.c.cycle_id == cycle_id)
    if login is not None:
        q = q.where(CHANGE.c.login == login)
    return list(conn.execute(q.order_by(CHANGE.c.id)))


# ------------------------------------------------------------------ the engine's tables, as the appraisal reads them
T_ITEM, T_TASK, T_EVENT, T_DEFN = Instance.__table__, Task.__table__, Event.__table__, DefinitionRow.__table__


def items(*, conn: Connection, ids: list[int]) -> dict[int, Any]:
    """Item rows by id."""
    return {r.id: r for r in conn.execute(sa.select(T_ITEM).where(T_ITEM.c.id.in_(ids)))} if ids else {}


def running_items(*, conn: Connection) -> list[Any]:
    """(id, definition_key, definition_version, current_step) of every running item, oldest first."""
    c = T_ITEM.c
    return list(conn.execute(sa.select(c.id, c.definition_key, c.definition_version, c.current_step)
                             .where(c.state == "running").order_by(c.id)))


def first_deployed(*, conn: Connection, definition: str) -> datetime | None:
    """When the definition's first version was registered."""
    return conn.execute(sa.select(sa.func.min(T_DEFN.c.created_at)).where(T_DEFN.c.key == definition)).scalar()


def co_handling_tasks(*, conn: Connection, start: datetime, end: datetime) -> list[Any]:
    """Lead and co-handling work tasks created in [start, end), outside appraisal cycles."""
    t = T_TASK.c
    return list(conn.execute(sa.select(t.instance_id, t.person, t.unit, t.role, t.closed_by).where(
        t.kind == "work", t.part.in_(["lead", "co"]), t.created_at >= start, t.created_at < end,
        t.instance_id.not_in(sa.select(CYCLE.c.instance_id)))))


# ------------------------------------------------------------------ the metrics' SQL (engine.appraisal.metrics)
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
    return set(conn.execute(sa.select(CYCLE.c.instance_id)).scalars())


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
