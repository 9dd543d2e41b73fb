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
from engine.store.lists import T_ITEM

CHUNK = 500  # items read at a time


def chunk(*, conn: Connection, viewer: Viewer, narrowing: board_store.Narrowing, now: datetime, after: int,
          size: int = CHUNK) -> tuple[list[Any], dict[int, list[Any]], dict[int, int]]:
    """The next `size` narrowed items with an id above `after` (oldest first), their tasks (by item, in id order)
    and each item's number of chases (催办次数): what board.load returns, a chunk at a time."""
    i = T_ITEM.c
    where = board_store.narrowed(conn, viewer, narrowing, now)  # the one filter of the board and the ledger
    items = list(conn.execute(sa.select(T_ITEM).where(i.id > after, *where).order_by(i.id).limit(size)))
    ids = [it.id for it in items]
    if not ids:
        return items, defaultdict(list), {}
    return (items, *board_store.tasks_and_chases(conn, ids))
