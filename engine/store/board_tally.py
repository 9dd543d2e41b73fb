"""The board's maintained counts (督办看板, issue 17): what each item adds to the counts that do not depend on the
clock (board_share: items by state and material, 办结评价, and per holder the work received, closed, chased,
carded, open, late-once-past-due and closed on time), and their sum over the items that are not confidential
(board_tally), kept in the transaction of every change.

The writers of items, tasks and attachments (engine.store.items, engine.store.attachments) `mark` what they touch
on the connection; engine.store.db.write calls `settle` before it commits, which recomputes the marked items'
shares from their rows (`shares`, the one rule) and adds the difference to the tally. Rows written around those
writers (a bulk load, a restore, the tests' own UPDATEs) need `rebuild` (`duban board rebuild`, migration 0020).

Reads: `tally` sums the tally over the board's cheap narrowings (definition, state, whole UTC days issued);
`shares_of` sums the shares of a chosen few items (confidential ones a viewer may see, items issued in the part
of a day at the edges of a period). What depends on the clock is counted elsewhere, over open and future-due work
(engine.store.board_counts)."""
from __future__ import annotations

from collections import Counter
from functools import lru_cache
from datetime import date, datetime, timezone
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.core.states import OPEN_TASK_STATES
from engine.store.tables import Attachment, BoardShare, BoardTally, Instance, Task

T_SHARE, T_TALLY = BoardShare.__table__, BoardTally.__table__
T_ITEM, T_TASK, T_ATTACHMENT = Instance.__table__, Task.__table__, Attachment.__table__
KEY = ("kind", "definition_key", "state", "day", "lead_unit", "rating", "unit", "person")
METRICS = ("n", "material", "closed", "chases", "yellow", "red", "open", "open_undated", "late_if_past",
           "on_time_done")
GROUP = ("kind", "state", "lead_unit", "rating", "unit", "person")  # what the board tells apart
HANDLING = ("lead", "co")  # the parts that units handle (engine.store.board.HANDLING)
OPEN = sorted(s.value for s in OPEN_TASK_STATES)
_DIRTY_ITEMS, _DIRTY_TASKS, _DIRTY_FILES = "board_dirty_items", "board_dirty_tasks", "board_dirty_files"
CHUNK = 2000  # items per batch of a rebuild


# ------------------------------------------------------------------ marking and settling (the write path)
def mark(conn: Connection, *, items: Iterable[int] = (), tasks: Iterable[int] = (), files: Iterable[int] = ()
         ) -> None:
    """Note on the connection that these items, the items of these tasks or of these attachments changed."""
    for key, ids in ((_DIRTY_ITEMS, items), (_DIRTY_TASKS, tasks), (_DIRTY_FILES, files)):
        ids = [i for i in ids if i is not None]
        if ids:
            conn.info.setdefault(key, set()).update(ids)


def forget(conn: Connection) -> None:
    """Drop the marks on `conn` (those of a transaction that rolled back)."""
    for key in (_DIRTY_ITEMS, _DIRTY_TASKS, _DIRTY_FILES):
        conn.info.pop(key, None)


def settle(conn: Connection) -> None:
    """Bring the shares and the tally of the items marked on `conn` up to date (before the commit)."""
    items = set(conn.info.pop(_DIRTY_ITEMS, ()))
    tasks, files = conn.info.pop(_DIRTY_TASKS, ()), conn.info.pop(_DIRTY_FILES, ())
    if tasks:
        items.update(conn.execute(_ITEMS_OF_TASKS, {"ids": sorted(tasks)}).scalars())
    if files:
        items.update(i for i in conn.execute(_ITEMS_OF_FILES, {"ids": sorted(files)}).scalars() if i is not None)
    if items:
        refresh(conn=conn, item_ids=sorted(items))


def refresh(*, conn: Connection, item_ids: list[int]) -> int:
    """Recompute these items' shares; where one changed, rewrite it and add new minus old to the tally. Returns how
    many items changed (most writes, such as signing for a task, change none)."""
    new = _by_item(shares(conn=conn, item_ids=item_ids))
    old = _by_item(dict(r._mapping) for r in conn.execute(_OLD_SHARES, {"ids": item_ids}))
    changed = [i for i in item_ids if new.get(i, set()) != old.get(i, set())]
    if not changed:
        return 0
    delta: dict[tuple, Counter] = {}
    for sign, rows in ((-1, old), (1, new)):
        for i in changed:
            for row in rows.get(i, ()):
                r = dict(row)
                if not r["confidential"]:
                    c = delta.setdefault(tuple(r[k] for k in KEY), Counter())
                    for m in METRICS:
                        c[m] += sign * r[m]
    _add(conn, delta)
    conn.execute(_DELETE_SHARES, {"ids": changed})
    rows = [dict(r) for i in changed for r in new.get(i, ())]
    if rows:
        conn.execute(T_SHARE.insert(), rows)
    return len(changed)


def _by_item(rows: Iterable[dict]) -> dict[int, set]:
    out: dict[int, set] = {}
    for r in rows:
        out.setdefault(r["item_id"], set()).add(tuple(sorted(r.items())))
    return out


def _add(conn: Connection, delta: dict[tuple, Counter]) -> None:
    """Add `delta` (by KEY) to the tally's day rows and month rows, in key order (two writers lock the rows they
    share in the same order)."""
    by_span: dict[tuple, Counter] = {}
    day = KEY.index("day")
    for k, c in delta.items():
        if any(c.values()):
            for span, first in (("d", k[day]), ("m", k[day].replace(day=1))):
                by_span.setdefault((span, *k[:day], first, *k[day + 1:]), Counter()).update(c)
    rows = [dict(zip(("span", *KEY), k)) | {m: c[m] for m in METRICS} for k, c in sorted(by_span.items())]
    if rows:
        conn.execute(_upsert(conn.dialect.name), rows)


@lru_cache(maxsize=None)
def _upsert(dialect: str) -> Any:
    ins = (postgresql if dialect == "postgresql" else sqlite).insert(T_TALLY)
    return ins.on_conflict_do_update(index_elements=["span", *KEY],
                                     set_={m: T_TALLY.c[m] + ins.excluded[m] for m in METRICS})


# ------------------------------------------------------------------ the one rule: what an item adds
def _n(cond: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((cond, 1), else_=0)), 0)


def _share_statements(item_ids: Any, task_items: Any) -> tuple[Any, Any]:
    """The two queries of `shares`, built once (SQLAlchemy then finds their compiled SQL at once): the items
    `item_ids` picks and, grouped by holder, the work tasks of the items `task_items` picks."""
    i, t, a = T_ITEM.c, T_TASK.c, T_ATTACHMENT.c
    material = sa.exists().where(a.instance_id == i.id, a.origin == "complete", a.removed_at.is_(None))
    items = sa.select(i.id, i.definition_key, i.state, i.created_at, i.lead_unit, i.rating, i.confidential,
                      material.label("material")).where(item_ids)
    due, closed = t.due_at, t.closed_at
    work = (sa.select(t.instance_id, t.unit, t.person, sa.func.count().label("n"),
                      _n(t.state == "done").label("closed"),
                      sa.func.coalesce(sa.func.sum(t.chase_count), 0).label("chases"),
                      _n(t.card == "yellow").label("yellow"), _n(t.card == "red").label("red"),
                      _n(t.state.in_(OPEN)).label("open"),
                      _n(sa.and_(t.state.in_(OPEN), due.is_(None))).label("open_undated"),
                      _n(sa.and_(t.state.in_(OPEN + ["done"]), due.is_not(None),
                                 sa.or_(closed.is_(None), closed > due))).label("late_if_past"),
                      _n(sa.and_(t.state == "done", due.is_not(None), closed.is_not(None), closed <= due))
                      .label("on_time_done"))
            .where(task_items, t.kind == "work", t.part.in_(HANDLING))
            .group_by(t.instance_id, t.unit, t.person))
    return items, work


_IDS = sa.bindparam("ids", expanding=True)
_BY_IDS = _share_statements(T_ITEM.c.id.in_(_IDS), T_TASK.c.instance_id.in_(_IDS))
_BY_RANGE = _share_statements(
    sa.and_(T_ITEM.c.id >= sa.bindparam("lo"), T_ITEM.c.id < sa.bindparam("hi")),
    sa.and_(T_TASK.c.instance_id >= sa.bindparam("lo"), T_TASK.c.instance_id < sa.bindparam("hi")))
_OLD_SHARES = sa.select(T_SHARE).where(T_SHARE.c.item_id.in_(_IDS))
_DELETE_SHARES = T_SHARE.delete().where(T_SHARE.c.item_id.in_(_IDS))
_ITEMS_OF_TASKS = sa.select(T_TASK.c.instance_id).where(T_TASK.c.id.in_(_IDS))
_ITEMS_OF_FILES = sa.select(T_ATTACHMENT.c.instance_id).where(T_ATTACHMENT.c.id.in_(_IDS))
_ZERO = {m: 0 for m in METRICS}


def shares(*, conn: Connection, item_ids: list[int] | None = None, id_from: int | None = None,
           id_to: int | None = None) -> list[dict]:
    """The board_share rows of these items (or of the items with id_from <= id < id_to): an 'item' row each (with
    completion material: an attachment sent with the 办结, not removed) and a 'work' row per holder of its work
    tasks in the handling parts. late_if_past: open or done, due, and not closed by the due time
    (engine.store.board_counts.late_clause, once the due time has passed); on_time_done: done and closed by it;
    open_undated: open without a due time (never overdue)."""
    (items_q, work_q), params = ((_BY_IDS, {"ids": item_ids}) if item_ids is not None
                                 else (_BY_RANGE, {"lo": id_from, "hi": id_to}))
    items, out = {}, []
    for r in conn.execute(items_q, params):
        items[r.id] = dict(item_id=r.id, definition_key=r.definition_key, state=r.state, day=_day(r.created_at),
                           lead_unit=r.lead_unit or "", rating=r.rating or "", confidential=bool(r.confidential))
        out.append(items[r.id] | _ZERO | dict(kind="item", unit="", person="", n=1, material=int(bool(r.material))))
    for r in conn.execute(work_q, params):
        if r.instance_id in items:
            row = items[r.instance_id] | dict(kind="work", unit=r.unit or "", person=r.person or "", material=0)
            out.append(row | {m: int(getattr(r, m)) for m in METRICS if m != "material"})
    return out


def _day(when: datetime) -> date:
    """The UTC day of an instant (SQLite returns them naive, in UTC)."""
    return (when if when.tzinfo is None else when.astimezone(timezone.utc)).date()


def rebuild(*, conn: Connection) -> dict[str, int]:
    """Recompute every share and the tally from the rows, in the caller's transaction."""
    forget(conn)
    conn.execute(T_SHARE.delete())
    conn.execute(T_TALLY.delete())
    top = conn.execute(sa.select(sa.func.max(T_ITEM.c.id))).scalar() or 0
    total: dict[tuple, Counter] = {}
    n = 0
    for start in range(0, top + 1, CHUNK):
        rows = shares(conn=conn, id_from=start, id_to=start + CHUNK)
        if rows:
            conn.execute(T_SHARE.insert(), rows)
        for r in rows:
            n += r["kind"] == "item"
            if not r["confidential"]:
                c = total.setdefault(tuple(r[k] for k in KEY), Counter())
                for m in METRICS:
                    c[m] += r[m]
    _add(conn, total)
    return {"items": n, "tally_rows": len(total)}


# ------------------------------------------------------------------ reads
def _summed(source: Any) -> list[Any]:
    c = source.c
    return [*(c[k] for k in GROUP), *(sa.func.sum(c[m]).label(m) for m in METRICS)]


def tally(*, conn: Connection, definition: str | None, exclude_definitions: tuple[str, ...], state: str | None,
          day_from: date | None, day_before: date | None) -> list[Any]:
    """The tally summed by GROUP over the items (not confidential) of a definition (or all but some), in a state,
    issued on the UTC days [day_from, day_before) (either may be open): whole months from the month rows, the days
    around them from the day rows."""
    c = T_TALLY.c
    where = []
    if definition:
        where.append(c.definition_key == definition)
    elif exclude_definitions:
        where.append(c.definition_key.notin_(list(exclude_definitions)))
    if state:
        where.append(c.state == state)
    m_from = None if day_from is None else day_from if day_from.day == 1 else _next_month(day_from)
    m_before = None if day_before is None else day_before.replace(day=1)
    spans = []
    if m_from is None or m_before is None or m_from < m_before:
        spans.append(sa.and_(c.span == "m", *_within(c.day, m_from, m_before)))
        if day_from is not None and day_from < m_from:
            spans.append(sa.and_(c.span == "d", *_within(c.day, day_from, m_from)))
        if day_before is not None and m_before < day_before:
            spans.append(sa.and_(c.span == "d", *_within(c.day, m_before, day_before)))
    else:
        spans.append(sa.and_(c.span == "d", *_within(c.day, day_from, day_before)))
    return list(conn.execute(sa.select(*_summed(T_TALLY)).where(*where, sa.or_(*spans))
                             .group_by(*(c[k] for k in GROUP))))


def _within(col: Any, start: date | None, before: date | None) -> list[Any]:
    return [*([col >= start] if start is not None else []), *([col < before] if before is not None else [])]


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def shares_of(*, conn: Connection, items: Any) -> list[Any]:
    """The shares of the items `items` (a SELECT of ids) summed by GROUP."""
    c = T_SHARE.c
    return list(conn.execute(sa.select(*_summed(T_SHARE)).where(c.item_id.in_(items))
                             .group_by(*(c[k] for k in GROUP))))
