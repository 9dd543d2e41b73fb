"""Repository functions for the appraisal tables, keyword-only, each takes the connection; and the few rows the
appraisal reads from the engine's own tables (co-handling, items, definitions). The metrics' aggregates are in
engine.store.metrics. Rules (who a task counts for, what a figure means) stay in metrics and scope."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.appraisal.schemes import Scheme, parse_scheme
from engine.core.states import NotFound
from engine.store.tables import (
    AppraisalChange, AppraisalCycle, AppraisalMember, AppraisalMetric, AppraisalRating, AppraisalResult,
    AppraisalUnitRun, DefinitionRow, Event, Instance, Task,
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
