"""The SQL of 我的待办's 已办 tab: a viewer's closed tasks, newest closed first, keyset-paged. Each holder value of the
queue (person, role, a unit head's unit queue and each of its people: engine.store.lists.queues one value at a
time) is read from its (holder, closed_at, id) index of migration 0021 backwards from the cursor, a page at a
time, and the branches merged, so that a page never counts or sorts a person's whole history. Visibility is the
one rule, engine.store.lists.visible_clause."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import UNQUEUED_KINDS, Viewer
from engine.store.lists import OPEN, T_ITEM, T_TASK, found_by, visible_clause


def done_refs(*, conn: Connection, viewer: Viewer, limit: int, after: tuple[datetime | None, int] | None = None,
              q: str | None = None) -> list[Any]:
    """(id, instance_id, closed_at) of the closed tasks of a viewer's 我的待办 (the 已办 tab), newest closed first
    (then by id; any closed without a time last), `limit` after the keyset `after` (the last row's (closed_at, id)).
    Each holder of the queue (queues, one value at a time) is read from its (holder, closed_at, id) index backwards
    from the key, at most `limit` rows each, and the branches merged: a page costs the page, not the history."""
    out: dict[int, Any] = {}
    for n, (where, order) in enumerate(done_phases(conn, viewer, after=after, q=q)):
        if n and len(out) >= limit:
            break  # the timeless ones only once the timed ones run out (none are made: every close is timed)
        for part in done_branches(viewer, where=where, order=order, limit=limit):
            out.update((r.id, r) for r in conn.execute(part))
    rows = sorted(out.values(), key=lambda r: (r.closed_at is not None, r.closed_at or 0, r.id), reverse=True)
    return rows[:limit]


def done_phases(conn: Connection, viewer: Viewer, *, after: tuple[datetime | None, int] | None,
                q: str | None = None) -> list[tuple[list, list]]:
    """(where, order) of the 已办 tab after the keyset `after`: the tasks closed at a time, newest first, then any
    closed without one, by id."""
    c = T_TASK.c
    seen = sa.exists().where(T_ITEM.c.id == c.instance_id, visible_clause(viewer))
    common = [seen, c.kind.notin_(sorted(UNQUEUED_KINDS)), c.state.notin_(OPEN)]
    if q:
        common.append(found_by(conn, q, c.instance_id))
    phases = []
    if after is None or after[0] is not None:
        key = [sa.tuple_(c.closed_at, c.id) < sa.tuple_(sa.literal(after[0], T_TASK.c.closed_at.type),
                                                        sa.literal(after[1]))] if after else []
        phases.append(([c.closed_at.is_not(None), *key, *common], [c.closed_at.desc(), c.id.desc()]))
    null_key = [c.id < after[1]] if after and after[0] is None else []
    return [*phases, ([c.closed_at.is_(None), *null_key, *common], [c.id.desc()])]


def done_branches(viewer: Viewer, *, where: list, order: list, limit: int) -> list[sa.CompoundSelect]:
    """The 已办 tab's branches, one a holder term (each read from its index in `order`, `limit` rows), as UNION ALLs
    of at most 200 (SQLite takes at most 500 terms in a compound select)."""
    c = T_TASK.c
    branches = [sa.select(c.id, c.instance_id, c.closed_at).where(h, *where).order_by(*order).limit(limit).subquery()
                for h in holder_terms(viewer)]
    return [sa.union_all(*(sa.select(b) for b in branches[lo:lo + 200])) for lo in range(0, len(branches), 200)]


def holder_terms(viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    """queues of every party, one holder value a term (each term an index's equality): person, role, and for a
    unit head the unit's own queue and each of its people."""
    c = T_TASK.c
    people: dict[str, None] = {}
    roles: dict[str, None] = {}
    units: dict[str, None] = {}
    for p in viewer.parties:
        people[p.login] = None
        roles.update(dict.fromkeys(sorted(p.roles)))
        if p.queue_people is not None:
            if p.unit is not None:
                units[p.unit] = None
            people.update(dict.fromkeys(sorted(p.queue_people)))
    return [*(c.person == x for x in people), *(c.role == r for r in roles),
            *(sa.and_(c.unit == u, c.person.is_(None)) for u in units)]
