"""The SQL of the ledger (督办台账) read in chunks: the narrowed items a viewer may see (the board's filter,
engine.store.board, over engine.store.lists.visible_clause), `size` at a time in id order, as plain rows of the
ledger's columns (LedgerItem: the JSON columns read as text and decoded once with the stdlib, no snapshot), each
chunk with the open tasks of its running items (plain rows: what the overdue rule and the light read) and the chase
counts. Snapshots (engine.core.model.ItemSnap) are made only for the running items whose checkpoint facts can say
something (engine.core.checkpoint_facts.may_miss): the light's missed milestones and report windows. A chunk is a
handful of queries whatever its size. Memory is bounded by the chunk, not by the store; each chunk is its own short
read, so an export never holds a connection (or a lock) while the file is written."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core import checkpoint_facts
from engine.core.codec import from_json
from engine.core.model import ItemSnap
from engine.core.policy import Viewer
from engine.core.states import OPEN_TASK_STATES, Card, ItemState
from engine.store import board as board_store, items as item_store
from engine.store.lists import T_EVENT, T_ITEM, T_TASK

CHUNK = 2000  # items read at a time (a few MB; per-chunk costs, the filter and its queries, paid 4x less than at 500)
OPEN_STATES = sorted(s.value for s in OPEN_TASK_STATES)
_JSON = ("subject", "assignment")


class LedgerItem(NamedTuple):
    """An item as the ledger reads it: its row's columns that the ledger and the light read, the JSON decoded."""

    id: int
    serial: str
    title: str
    subject: dict
    assignment: dict
    state: str
    definition_key: str
    definition_version: int
    initiator: str
    current_step: str | None
    version: int
    confidential: bool
    depth: int
    card: str
    lead_unit: str | None
    due_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    progress: str | None
    progress_percent: int | None
    rating: str | None


_COLUMNS = [sa.cast(T_ITEM.c[k], sa.Text).label(k) if k in _JSON else T_ITEM.c[k] for k in LedgerItem._fields]
_TASK_COLUMNS = [T_TASK.c.instance_id, *(sa.cast(T_TASK.c[k], sa.Text).label(k) if k == "data" else T_TASK.c[k]
                                         for k in item_store.TASK_SNAP_COLUMNS)]
_DATA = item_store.TASK_SNAP_COLUMNS.index("data") + 1


@dataclass
class Chunk:
    """One chunk of the ledger: the items (LedgerItem) in id order, the snapshots of the running items whose
    checkpoint facts can say something, the open tasks of the running items (plain rows with the instance id and
    engine.store.items.TASK_SNAP_COLUMNS, `data` as text; in id order) by item id, and each item's number of chases
    (催办次数)."""

    items: list[Any] = field(default_factory=list)
    snaps: dict[int, Any] = field(default_factory=dict)
    tasks: dict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    chases: dict[int, int] = field(default_factory=dict)


def chunk(*, conn: Connection, viewer: Viewer, narrowing: board_store.Narrowing, now: datetime, after: int,
          definition_of: Any, size: int = CHUNK, memo: dict | None = None) -> Chunk:
    """The next `size` narrowed items with an id above `after` (oldest first), with their chase counts and, for
    the running ones, their open tasks: all that the overdue rule (engine.core.states.item_overdue) and the light
    (engine.reads.lights) read of an item's tasks; and snapshots (definitions from `definition_of(key, version)`,
    open tasks only) of the running items that engine.core.checkpoint_facts.may_miss says may have missed a
    milestone or a report window (`memo`: its memo for the export). A closed item's tasks are not read: it is
    neither overdue nor lit."""
    i = T_ITEM.c
    where = board_store.narrowed(conn, viewer, narrowing, now)  # the one filter of the board and the ledger
    items = [_item(r) for r in conn.execute(sa.select(*_COLUMNS).where(i.id > after, *where)
                                            .order_by(i.id).limit(size))]
    if not items:
        return Chunk()
    tasks: dict[int, list[Any]] = defaultdict(list)
    snaps: dict[int, Any] = {}
    running = [it for it in items if it.state == ItemState.running.value]
    if running:
        t = T_TASK.c
        for r in conn.execute(sa.select(*_TASK_COLUMNS).where(t.instance_id.in_([it.id for it in running]),
                                                              t.state.in_(OPEN_STATES)).order_by(t.id)):
            tasks[r[0]].append(r)
        memo = {} if memo is None else memo
        defs: dict[tuple, Any] = {}
        for it in running:
            defn = defs.get((it.definition_key, it.definition_version))
            if defn is None:
                defn = defs[(it.definition_key, it.definition_version)] = definition_of(it.definition_key,
                                                                                        it.definition_version)
            if checkpoint_facts.may_miss(defn, it.assignment, it.subject, [x.step for x in tasks[it.id]], memo):
                snaps[it.id] = _snap(it, defn, [item_store.task_snap_of(*r[1:_DATA], json.loads(r[_DATA] or "null"),
                                                                      *r[_DATA + 1:]) for r in tasks[it.id]])
    ids = [it.id for it in items]
    return Chunk(items=items, snaps=snaps, tasks=tasks, chases=chase_counts(conn=conn, item_ids=ids))


def _item(r: Any) -> LedgerItem:
    subject, assignment = r.subject, r.assignment
    return LedgerItem._make((*r[:3], json.loads(subject) or {} if subject else {},
                             json.loads(assignment) or {} if assignment else {}, *r[5:]))


def _snap(it: LedgerItem, defn: Any, tasks: list[Any]) -> ItemSnap:
    """The snapshot of a running item with its open tasks, as engine.store.items.load_items makes it."""
    item = ItemSnap(id=it.id, definition=defn, subject=from_json(defn.fields, it.subject),
                    state=ItemState(it.state), assignment=it.assignment, initiator=it.initiator,
                    current_step=it.current_step, tasks=tasks, version=it.version, title=it.title,
                    card=Card(it.card or "none"), depth=it.depth or 0)
    item._serial = it.serial  # type: ignore[attr-defined]
    item._confidential = bool(it.confidential)  # type: ignore[attr-defined]
    return item


def chase_counts(*, conn: Connection, item_ids: list[int]) -> dict[int, int]:
    """Each item's number of chases (催办次数: its `chase` events), items without one left out. The ledger's own
    read of what engine.store.board.tasks_and_chases counts for the board (kept apart so the ledger reads no
    task rows twice)."""
    e = T_EVENT.c
    return dict(conn.execute(sa.select(e.instance_id, sa.func.count()).where(
        e.instance_id.in_(item_ids), e.kind == "chase").group_by(e.instance_id)).all())
