"""我的待办's open and overdue tabs read in their order a page at a time (engine.core.queue_order): overdue first,
then the most urgent, then soonest due (no due date last), then the oldest task. The order is cut into segments
(overdue or not, one urgency rank, with or without a due date) each of which is one range of the (holder, state,
urgency, due_at, id) indexes (0022) per holder read in (due_at, id) order with a LIMIT, so a page reads about a
page of each holder's queue however long the queue is; the visibility rule (engine.store.lists.visible_clause) is
checked only on the rows read, and reading goes on, a batch at a time, until the page has its rows or the queue
ends. The count of a whole tab (the web page's tab counts) is `queue_counts`, one pass over the queue."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import UNQUEUED_KINDS, Viewer
from engine.core.queue_order import RANKS
from engine.store.done_tab import holder_terms
from engine.store.lists import (
    OPEN, T_ITEM, T_TASK, tasks_of, found_by, task_overdue_clause, visible_clause,
)

MIN_BATCH = 20  # rows read at least per statement (a batch that loses rows to visibility reads on)
COLUMNS = ("id", "instance_id", "person", "unit", "role", "state", "urgency", "due_at")


def segments(state: str, now: datetime) -> list[tuple[int, sa.ColumnElement[bool]]]:
    """The queue's order as (rank, where) ranges, in order: each is read ordered by (due_at, id)."""
    c = T_TASK.c
    late = [(r, c.due_at < now) for r in RANKS]
    if state == "overdue":
        return late
    if state != "open":
        raise ValueError(state)
    return late + [seg for r in RANKS for seg in ((r, c.due_at >= now), (r, c.due_at.is_(None)))]


def queue_page(*, conn: Connection, viewer: Viewer, state: str, now: datetime, limit: int,
               offset: int = 0) -> tuple[list[Any], bool]:
    """(rows, more): the tasks of `viewer`'s 我的待办 tab `state` (open or overdue; policy.in_queue in items
    policy.sees) in the queue's order, `limit` from `offset`, each with COLUMNS; `more` when a later page has rows.
    Reads offset + limit + 1 visible rows (and those of the last batch hidden from the viewer), no more."""
    need = offset + limit + 1
    out: list[Any] = []
    for rank, where in segments(state, now):
        after: tuple[datetime | None, int] | None = None
        while len(out) < need:
            batch = max(need - len(out), MIN_BATCH)
            rows = segment_rows(conn=conn, viewer=viewer, rank=rank, where=where, after=after, limit=batch)
            seen = seen_ids(conn=conn, viewer=viewer, task_ids=[r.id for r in rows])
            out += [r for r in rows if r.id in seen]
            if len(rows) < batch:
                break
            after = (rows[-1].due_at, rows[-1].id)
        if len(out) >= need:
            break
    return out[offset:offset + limit], len(out) > offset + limit


def segment_rows(*, conn: Connection, viewer: Viewer, rank: int, where: sa.ColumnElement[bool],
                 after: tuple[datetime | None, int] | None, limit: int) -> list[Any]:
    """The first `limit` queued tasks of one segment after the keyset `after` (the last row's (due_at, id)), by
    (due_at, id): each holder term and open state is a branch read from its (holder, state, urgency, due_at, id)
    index with a LIMIT (done_tab.holder_terms, UNION ALLs of at most 200 branches), the branches merged here."""
    found: dict[int, Any] = {}
    for sel in segment_statements(viewer, rank=rank, where=where, after=after, limit=limit):
        found.update((r.id, r) for r in conn.execute(sel))
    return sorted(found.values(), key=lambda r: (r.due_at is None, r.due_at or 0, r.id))[:limit]


def segment_statements(viewer: Viewer, *, rank: int, where: sa.ColumnElement[bool],
                       after: tuple[datetime | None, int] | None, limit: int) -> list[sa.CompoundSelect]:
    """segment_rows' statements: one branch a holder term and open state, UNION ALLs of at most 200."""
    c = T_TASK.c
    common = [c.urgency == rank, where, c.kind.notin_(sorted(UNQUEUED_KINDS))]
    if after is not None:
        due, tid = after
        common.append(c.id > tid if due is None else sa.or_(c.due_at > due, sa.and_(c.due_at == due, c.id > tid)))
    branches = [sa.select(*(c[k] for k in COLUMNS)).where(h, c.state == s, *common).order_by(c.due_at, c.id)
                .limit(limit).subquery() for h in holder_terms(viewer) for s in OPEN]
    return [sa.union_all(*(sa.select(b) for b in branches[lo:lo + 200])) for lo in range(0, len(branches), 200)]


def seen_ids(*, conn: Connection, viewer: Viewer, task_ids: list[int]) -> set[int]:
    """Which of these tasks are in items the viewer may see (the one visibility rule, each item by its key)."""
    if not task_ids:
        return set()
    c = T_TASK.c
    seen = sa.exists().where(T_ITEM.c.id == c.instance_id, visible_clause(viewer))
    return set(conn.execute(sa.select(c.id).where(c.id.in_(task_ids), seen)).scalars())


def queue_counts(*, conn: Connection, viewer: Viewer, state: str, now: datetime,
                 q: str | None = None) -> tuple[int, int]:
    """(total, overdue): how many tasks the tab `state` holds (with `q`, of the items search finds), and how many
    of them are overdue (the 已超期 tab's count beside the open tab's), in one pass over the queue."""
    overdue = sa.func.coalesce(sa.func.sum(sa.case((task_overdue_clause(now), 1), else_=0)), 0)
    sel = tasks_of(sa.select(sa.func.count(), overdue).select_from(T_TASK), viewer, state, now)
    if q:
        sel = sel.where(found_by(conn, q, T_TASK.c.instance_id))
    total, late = conn.execute(sel).one()
    return int(total), int(late)
