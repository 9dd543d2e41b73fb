"""Repository functions for the appraisal tables: keyword-only, each takes the connection."""
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
    AppraisalUnitRun,
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


def add_change(*, conn: Connection, row: dict) -> None:
    conn.execute(CHANGE.insert(), [row])


def changes(*, conn: Connection, cycle_id: int, login: str | None = None) -> list[Any]:
    q = sa.select(CHANGE).where(CHANGE.c.cycle_id == cycle_id)
    if login is not None:
        q = q.where(CHANGE.c.login == login)
    return list(conn.execute(q.order_by(CHANGE.c.id)))
