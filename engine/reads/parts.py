"""任务分解 as people read it: on an item, the item it is a part of and its own parts (only those the viewer may see:
the one list filter, engine.store.lists.item_filters), each with its serial, title, lead, due date, state, progress
and card, and the roll-up of those parts (engine.core.split.rollup)."""
from __future__ import annotations

from typing import Any

from engine.core import split as rules
from engine.core.org import Holder
from engine.core.states import ITEM_STATE_LABELS
from engine.store import parts as part_store
from engine.store.db import Connection

MAX_SHOWN = 500  # parts listed on one item (several splits of 50)


def family(site: Any, conn: Connection, item_id: int, viewer: Any, lang: str = "zh") -> dict:
    """{"parent": {id, serial, title} or None, "children": [...], "rollup": {...} or None} for `viewer` (None: the
    engine itself, which sees every part)."""
    if viewer is None:
        snaps = part_store.children_of(conn=conn, parent_id=item_id)
    else:
        snaps = part_store.visible_children(conn=conn, viewer=viewer, parent_id=item_id, limit=MAX_SHOWN)
    parent = part_store.parent_of(conn=conn, item_id=item_id, viewer=viewer)
    return {"parent": {"id": parent.id, "serial": parent.serial, "title": parent.title} if parent else None,
            "children": [child_view(site, c, lang) for c in snaps], "rollup": rules.rollup(snaps)}


def child_view(site: Any, c: rules.ChildSnap, lang: str = "zh") -> dict:
    zh, en = ITEM_STATE_LABELS[c.state]
    return {"id": c.id, "serial": c.serial, "title": c.title, "state": c.state.value,
            "state_label": {"zh": zh, "en": en},
            "lead_unit": c.lead_unit, "lead": site.org.holder_name(Holder(**c.lead), lang) if c.lead else None,
            "due_at": c.due_at, "progress_percent": 100 if c.state.value == "completed" else c.progress_percent,
            "card": c.card.value, "weight": c.weight}
