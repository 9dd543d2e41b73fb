"""The SQL of the ledger (督办台账) read in chunks: the narrowed items a viewer may see (the board's filter,
engine.store.board, over engine.store.lists.visible_clause), `size` at a time in id order, each chunk with its
running items as snapshots with their open tasks (engine.store.items.load_items: what the overdue rule and the
light's checkpoint facts read) and the chase counts. A chunk is a handful of queries whatever its size. Memory is bounded by the chunk, not by the store; each chunk is its own short read, so an export
never holds a connection (or a lock) while the file is written."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import Viewer
from engine.core.states import OPEN_TASK_STATES, ItemState
from engine.store import board as board_store, items as item_store
from engine.store.lists import T_EVENT, T_ITEM, T_TASK

CHUNK = 2000  # items read at a time (a few MB; per-chunk costs, the filter and its queries, paid 4x less than at 500)
OPEN_STATES = sorted(s.value for s in OPEN_TASK_STATES)


@dataclass
class Chunk:
    """One chunk of the ledger: the items' rows in id order, the running items' snapshots and open tasks
    (TaskSnap, in id order) by item id, and each item's number of chases (催办次数)."""

    items: list[Any] = field(default_factory=list)
    snaps: dict[int, Any] = field(default_factory=dict)
    tasks: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    chases: dict[int, int] = field(default_factory=dict)


def chunk(*, conn: Connection, viewer: Viewer, narrowing: board_store.Narrowing, now: datetime, after: int,
          definition_of: Any, size: int = CHUNK) -> Chunk:
    """The next `size` narrowed items with an id above `after` (oldest first), with their chase counts and, for
    the running ones, their snapshots (definitions from `definition_of(key, version)`) holding their open tasks
    only: all that the overdue rule (engine.core.states.item_overdue) and the light (engine.reads.lights, with its
    checkpoint facts) read of an item's tasks. A closed item's tasks are not read: it is neither overdue nor lit."""
    i, t = T_ITEM.c, T_TASK.c
    where = board_store.narrowed(conn, viewer, narrowing, now)  # the one filter of the board and the ledger
    found = list(conn.execute(sa.select(i.id, i.state).where(i.id > after, *where).order_by(i.id).limit(size)))
    if not found:
        return Chunk()
    running = {k for k, state in found if state == ItemState.running.value}
    rows: dict[int, Any] = {}
    snaps: dict[int, Any] = {}
    if running:
        open_tasks = set(conn.execute(sa.select(t.id).where(t.instance_id.in_(running),
                                                            t.state.in_(OPEN_STATES))).scalars())
        snaps = item_store.load_items(conn=conn, item_ids=running, definition_of=definition_of,
                                      task_ids=open_tasks, rows_out=rows)
    closed = [k for k, _ in found if k not in running]
    if closed:
        rows.update((r.id, r) for r in conn.execute(sa.select(T_ITEM).where(i.id.in_(closed))))
    ids = [k for k, _ in found]
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
