"""The SQL of the ledger (督办台账) read in chunks: the narrowed items a viewer may see (the board's filter,
engine.store.board, over engine.store.lists.visible_clause), `size` at a time in id order, each chunk with its
items' tasks and chase counts. Memory is bounded by the chunk, not by the store; each chunk is its own short
read, so an export never holds a connection (or a lock) while the file is written."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core.policy import Viewer
from engine.store import board as board_store
from engine.store.lists import T_EVENT, T_ITEM, T_TASK

CHUNK = 500  # items read at a time


def chunk(*, conn: Connection, viewer: Viewer, narrowing: board_store.Narrowing, now: datetime, after: int,
          size: int = CHUNK) -> tuple[list[Any], dict[int, list[Any]], dict[int, int]]:
    """The next `size` narrowed items with an id above `after` (oldest first), their tasks (by item, in id order)
    and each item's number of chases (催办次数): what board.load returns, a chunk at a time."""
    i, t, e = T_ITEM.c, T_TASK.c, T_EVENT.c
    where = board_store.narrowed(conn, viewer, narrowing, now)  # the one filter of the board and the ledger
    items = list(conn.execute(sa.select(T_ITEM).where(i.id > after, *where).order_by(i.id).limit(size)))
    ids = [it.id for it in items]
    tasks: dict[int, list[Any]] = defaultdict(list)
    if not ids:
        return items, tasks, {}
    for r in conn.execute(sa.select(t.id, t.instance_id, t.step, t.kind, t.part, t.person, t.unit, t.role, t.state,
                                    t.due_at, t.closed_at, t.card, t.chase_count)
                          .where(t.instance_id.in_(ids)).order_by(t.id)):
        tasks[r.instance_id].append(r)
    chases = dict(conn.execute(sa.select(e.instance_id, sa.func.count()).where(
        e.instance_id.in_(ids), e.kind == "chase").group_by(e.instance_id)).all())
    return items, tasks, chases
