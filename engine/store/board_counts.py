"""The board's numbers counted by the database (督办看板): items by state, overdue and due-soon items, completion
material, work by unit (grouped by holder, folded into units by the caller), the carded and due-soon rows, and the
weekly series over the weeks shown, all inside the same narrowing and visibility as engine.store.board.load, which
the reference implementation reads whole. Nothing here loads every item: the counts are GROUP BY queries, the lists
are bounded by what is shown (running carded items, open work due within days, the weeks of the chart); the time-
dependent facts (overdue now, due soon) are counted over open tasks by (state, due_at) (migration 0018)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import Viewer
from engine.core.states import ItemState
from engine.store.attachments import T as T_ATTACHMENT
from engine.store.board import HANDLING, Narrowing, narrowed
from engine.store import board_tally
from engine.store.lists import OPEN, T_ITEM, T_TASK, overdue_clause

WORK = sa.literal_column("'work'")  # inline, so that the planner may take the partial index ix_task_work_due
W = T_TASK.alias("work")  # the tasks counted, aliased: the narrowing's own task subqueries must not correlate to them
FINISHED = (ItemState.completed.value, ItemState.archived.value)
RUNNING = ItemState.running.value
GROUP_FIELDS = ("leader", "source", "level")  # subject fields the board may be grouped by


def _n(cond: Any) -> Any:
    """How many rows meet `cond` (a conditional sum, 0 over no rows)."""
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def late_clause(now: datetime, t: Any = T_TASK.c) -> sa.ColumnElement[bool]:
    """engine.reads.supervision._late as SQL: open or done, past due, and closed after it (or not closed)."""
    return sa.and_(t.due_at.is_not(None), t.state.in_(OPEN + ["done"]), t.due_at < now,
                   sa.or_(t.closed_at.is_(None), t.closed_at > t.due_at))


def _has_material() -> sa.ColumnElement[bool]:
    a = T_ATTACHMENT.c
    return sa.exists().where(a.instance_id == T_ITEM.c.id, a.origin == "complete", a.removed_at.is_(None))


def item_counts(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime,
                soon: datetime) -> dict[str, int]:
    """Items by state, and how many are overdue, due soon (open work due in [now, soon]) and finished with or
    without completion material."""
    i, t = T_ITEM.c, T_TASK.c
    where = narrowed(conn, viewer, narrowing, now)
    out = {s: n for s, n in conn.execute(sa.select(i.state, sa.func.count()).where(*where).group_by(i.state))}
    due_soon = sa.and_(i.state == RUNNING, sa.exists().where(
        t.instance_id == i.id, t.kind == "work", t.state.in_(OPEN), t.due_at >= now, t.due_at <= soon))
    finished = i.state.in_(FINISHED)
    row = conn.execute(sa.select(_n(overdue_clause(now)), _n(due_soon),
                                 _n(sa.and_(finished, _has_material())), _n(finished)).where(*where)).one()
    out["total"] = sum(out.values())
    out.update(overdue=int(row[0]), due_soon=int(row[1]), with_material=int(row[2]),
               without_material=int(row[3]) - int(row[2]))
    return out


def work_by_holder(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime) -> list[Any]:
    """Work tasks of the handling parts by (unit, person): received, closed, chases, cards, open and overdue (in
    running items), late and on time."""
    i, t = T_ITEM.c, W.c
    running_open = sa.and_(t.state.in_(OPEN), i.state == RUNNING)
    late = late_clause(now, t)
    cols = [t.unit, t.person, sa.func.count().label("received"), _n(t.state == "done").label("closed"),
            sa.func.coalesce(sa.func.sum(t.chase_count), 0).label("chases"),
            _n(t.card == "yellow").label("yellow"), _n(t.card == "red").label("red"),
            _n(running_open).label("open"), _n(sa.and_(running_open, t.due_at < now)).label("overdue"),
            _n(late).label("late"),
            _n(sa.and_(sa.not_(late), t.state == "done", t.due_at.is_not(None))).label("on_time")]
    q = (sa.select(*cols).select_from(W.join(T_ITEM, T_ITEM.c.id == t.instance_id))
         .where(*narrowed(conn, viewer, narrowing, now), t.kind == "work", t.part.in_(HANDLING))
         .group_by(t.unit, t.person))
    return list(conn.execute(q))


def open_item_counts(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime,
                     soon: datetime) -> tuple[int, int]:
    """(overdue, due soon) as item_counts counts them, read over the running items only (both need one)."""
    i, t = T_ITEM.c, T_TASK.c
    due_soon = sa.exists().where(t.instance_id == i.id, t.kind == "work", t.state.in_(OPEN), t.due_at >= now,
                                 t.due_at <= soon)
    row = conn.execute(sa.select(_n(overdue_clause(now)), _n(due_soon)).where(
        *narrowed(conn, viewer, narrowing, now), i.state == RUNNING)).one()
    return int(row[0]), int(row[1])


def ahead_by_holder(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime) -> list[Any]:
    """What of work_by_holder the clock decides, read over the work not due yet (ix_task_work_due), by (unit,
    person): `ahead`, work not closed by its due time that is not late yet (engine.store.board_tally's
    late_if_past counts it), `done`, of it the work done (on time, then), and `open`, open work of running items
    not due yet (not overdue: the tally's open work less the undated and this is what is overdue)."""
    i, t = T_ITEM.c, W.c
    return list(conn.execute(
        sa.select(t.unit, t.person,
                  _n(sa.and_(t.state.in_(OPEN + ["done"]), sa.or_(t.closed_at.is_(None), t.closed_at > t.due_at)))
                  .label("ahead"),
                  _n(sa.and_(t.state == "done", sa.or_(t.closed_at.is_(None), t.closed_at > t.due_at)))
                  .label("done"),
                  _n(sa.and_(t.state.in_(OPEN), i.state == RUNNING)).label("open"))
        .select_from(W.join(T_ITEM, T_ITEM.c.id == t.instance_id))
        .where(*narrowed(conn, viewer, narrowing, now), t.kind == WORK, t.part.in_(HANDLING), t.due_at >= now)
        .group_by(t.unit, t.person)))


def untallied_shares(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime,
                     from_at: datetime | None, before_at: datetime | None) -> list[Any]:
    """The board_share sums (engine.store.board_tally.shares_of) of the narrowed items the tally leaves out: the
    confidential ones the viewer sees, and those issued before `from_at` or from `before_at` on (the part-days
    at the edges of a period: the tally counts whole UTC days)."""
    i = T_ITEM.c
    rest = [i.confidential.is_(True)]
    if from_at is not None:
        rest.append(i.created_at < from_at)
    if before_at is not None:
        rest.append(i.created_at >= before_at)
    return board_tally.shares_of(conn=conn, items=sa.select(i.id).where(*narrowed(conn, viewer, narrowing, now),
                                                                         sa.or_(*rest)))


def carded_items(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime
                 ) -> tuple[list[Any], dict[int, list[Any]]]:
    """The running items with a yellow or red card, and their work tasks."""
    i = T_ITEM.c
    items = sorted(conn.execute(sa.select(T_ITEM).where(*narrowed(conn, viewer, narrowing, now), i.state == RUNNING,
                                                        i.card.in_(("yellow", "red")))), key=lambda it: it.id)
    return items, _work_of(conn, [it.id for it in items])  # (sorted here: ORDER BY id makes SQLite scan the table)


def due_within(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime, soon: datetime
               ) -> list[tuple[Any, Any]]:
    """(item, task) for open work tasks of running items due in [now, soon]."""
    t = W.c
    rows = list(conn.execute(sa.select(W).where(
        t.kind == WORK, t.state.in_(OPEN), t.due_at >= now, t.due_at <= soon,
        t.instance_id.in_(sa.select(T_ITEM.c.id).where(*narrowed(conn, viewer, narrowing, now),
                                                       T_ITEM.c.state == RUNNING)))))
    ids = sorted({r.instance_id for r in rows})
    items = {it.id: it for it in conn.execute(sa.select(T_ITEM).where(T_ITEM.c.id.in_(ids)))} if ids else {}
    return [(items[r.instance_id], r) for r in rows]


def closed_between(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime, start: datetime,
                   end: datetime) -> list[datetime]:
    """When each finished item closed, for those that closed in [start, end)."""
    i = T_ITEM.c
    return list(conn.execute(sa.select(i.closed_at).where(
        *narrowed(conn, viewer, narrowing, now), i.state.in_(FINISHED), i.closed_at >= start,
        i.closed_at < end)).scalars())


def late_due_between(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime, start: datetime,
                     end: datetime) -> list[tuple[int, datetime]]:
    """(item id, due time) of late work tasks due in [start, end)."""
    t = W.c
    return [(r.instance_id, r.due_at) for r in conn.execute(
        sa.select(t.instance_id, t.due_at).select_from(W.join(T_ITEM, T_ITEM.c.id == t.instance_id)).where(
            t.kind == WORK, t.due_at >= start, t.due_at < end, late_clause(now, t),
            *narrowed(conn, viewer, narrowing, now)))]


def by_subject_field(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime,
                     field: str) -> list[Any]:
    """Items grouped by a subject field's value (None when absent): total, running, closed, overdue."""
    if field not in GROUP_FIELDS:
        raise ValueError(field)
    i = T_ITEM.c
    value = i.subject[field].as_string().label("value")
    return list(conn.execute(sa.select(value, sa.func.count().label("total"),
                                       _n(i.state == RUNNING).label("running"),
                                       _n(i.state.in_(FINISHED)).label("closed"),
                                       _n(overdue_clause(now)).label("overdue"))
                             .where(*narrowed(conn, viewer, narrowing, now)).group_by(value)))


def _work_of(conn: Connection, ids: list[int]) -> dict[int, list[Any]]:
    t = T_TASK.c
    out: dict[int, list[Any]] = {k: [] for k in ids}
    if ids:
        for r in conn.execute(sa.select(T_TASK).where(t.instance_id.in_(ids), t.kind == "work").order_by(t.id)):
            out[r.instance_id].append(r)
    return out


def ratings_by_unit(*, conn: Connection, viewer: Viewer, narrowing: Narrowing, now: datetime) -> list[Any]:
    """办结评价 counted by (lead unit, rating) over the narrowed items that carry one: (lead_unit, rating, n)."""
    i = T_ITEM.c
    return list(conn.execute(
        sa.select(i.lead_unit, i.rating, sa.func.count())
        .where(*narrowed(conn, viewer, narrowing, now), i.rating.is_not(None), i.lead_unit.is_not(None))
        .group_by(i.lead_unit, i.rating)))
