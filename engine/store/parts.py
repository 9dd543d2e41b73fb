"""任务分解 in the store: an item's parts (child items) as the core sees them, an item's parent, and the serial
numbers of parts (督〔2026〕15-1号), whose counter is apart from the items' own so that splitting never skips a
number of the register."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.split import ChildSnap
from engine.core.states import Card, ItemState
from engine.store.items import next_serial
from engine.store.lists import item_filters
from engine.store.tables import Instance

T_ITEM = Instance.__table__
_CHILD_COLUMNS = [T_ITEM.c[k] for k in ("id", "serial", "title", "state", "lead_unit", "due_at", "progress_percent",
                                        "card", "assignment", "current_step")]


def child_snap(r: Any) -> ChildSnap:
    """A part from an instance row (anything with the columns above)."""
    a = r.assignment or {}
    w = a.get("weight")
    return ChildSnap(id=r.id, serial=r.serial, title=r.title, state=ItemState(r.state), lead_unit=r.lead_unit,
                     due_at=r.due_at, progress_percent=r.progress_percent, card=Card(r.card or "none"),
                     weight=float(w) if w is not None else None, current_step=r.current_step,
                     lead=a.get("lead"))


def children_of(*, conn: Connection, parent_id: int) -> list[ChildSnap]:
    """Every part of an item, in the order they were made."""
    rows = conn.execute(sa.select(*_CHILD_COLUMNS).where(T_ITEM.c.parent_id == parent_id).order_by(T_ITEM.c.id))
    return [child_snap(r) for r in rows]


def parent_of(*, conn: Connection, item_id: int, viewer: Any = None) -> Any:
    """The row (id, serial, title, state) of the item this one is a part of, or None (also when `viewer` is given
    and may not see it: the one list filter, engine.store.lists.item_filters)."""
    parent = sa.select(T_ITEM.c.parent_id).where(T_ITEM.c.id == item_id).scalar_subquery()
    where = [T_ITEM.c.id == parent]
    if viewer is not None:
        where += item_filters(viewer, definition=None, state=None, unit=None)
    return conn.execute(sa.select(T_ITEM.c.id, T_ITEM.c.serial, T_ITEM.c.title, T_ITEM.c.state).where(*where)).first()


def visible_children(*, conn: Connection, viewer: Any, parent_id: int, limit: int) -> list[ChildSnap]:
    """The parts of an item that `viewer` may see, in the order they were made."""
    where = item_filters(viewer, definition=None, state=None, unit=None, parent=parent_id)
    rows = conn.execute(sa.select(*_CHILD_COLUMNS).where(*where).order_by(T_ITEM.c.id).limit(limit))
    return [child_snap(r) for r in rows]


def next_part_serial(*, conn: Connection, key: str, year: int) -> int:
    """A unique number for a part's row (negative: the register's own numbers are never taken by parts)."""
    return -next_serial(conn=conn, key=f"{key}#parts"[:64], year=year)
