"""The SQL of the ledger (督办台账) read in chunks: the narrowed items a viewer may see (the board's filter,
engine.store.board, over engine.store.lists.visible_clause), `size` at a time in id order, each chunk with its
items as snapshots (engine.store.items.load_items: what the light's checkpoint facts read), their tasks and their
chase counts. A chunk is three queries whatever its size: the ids, the items with their tasks (load_items), the
chase counts. Memory is bounded by the chunk, not by the store; each chunk is its own short read, so an export
never holds a connection (or a lock) while the file is written."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import Viewer
from engine.store import board as board_store, items as item_store
from engine.store.lists import T_EVENT, T_ITEM

CHUNK = 500  # items read at a time


@dataclass
class Chunk:
    """One chunk of the ledger: the items' rows in id order, their snapshots and tasks (TaskSnap, in id order) by
    item id, and each item's number of chases (催办次数)."""

    items: list[Any] = field(default_factory=list)
    snaps: dict[int, Any] = field(default_factory=dict)
    tasks: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    chases: dict[int, int] = field(default_factory=dict)


def chunk(*, conn: Connection, viewer: Viewer, narrowing: board_store.Narrowing, now: datetime, after: int,
          definition_of: Any, size: int = CHUNK) -> Chunk:
    """The next `size` narrowed items with an id above `after` (oldest first), with their snapshots (definitions
    from `definition_of(key, version)`), tasks and chase counts."""
    i = T_ITEM.c
    where = board_store.narrowed(conn, viewer, narrowing, now)  # the one filter of the board and the ledger
    ids = list(conn.execute(sa.select(i.id).where(i.id > after, *where).order_by(i.id).limit(size)).scalars())
    if not ids:
        return Chunk()
    rows: dict[int, Any] = {}
    snaps = item_store.load_items(conn=conn, item_ids=set(ids), definition_of=definition_of, rows_out=rows)
    tasks: dict[int, list[Any]] = defaultdict(list, {k: s.tasks for k, s in snaps.items()})
    return Chunk(items=[rows[k] for k in ids if k in rows], snaps=snaps, tasks=tasks,
                 chases=chase_counts(conn=conn, item_ids=ids))


def chase_counts(*, conn: Connection, item_ids: list[int]) -> dict[int, int]:
    """Each item's number of chases (催办次数: its `chase` events), items without one left out. The ledger's own
    read of what engine.store.board.tasks_and_chases counts for the board (kept apart so the ledger reads no
    task rows twice)."""
    e = T_EVENT.c
    return dict(conn.execute(sa.select(e.instance_id, sa.func.count()).where(
        e.instance_id.in_(item_ids), e.kind == "chase").group_by(e.instance_id)).all())
