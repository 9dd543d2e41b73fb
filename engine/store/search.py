"""The SQL of search results (检索): the items a viewer may see that a query finds, best first, with their hit
documents. The visibility filter is engine.store.lists.visible_clause (the SQL form of policy.can_see) inside the
query, so nothing hidden is returned or counted. The index itself (writing documents, matching, the rebuild) is
engine.store.search_index, re-exported here for the writers (index_attachment, unindex_attachment...)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core import search as rules
from engine.core.policy import Viewer
from engine.store import search_index as index
from engine.store.lists import item_filters, overdue_clause
from engine.store.search_index import (  # noqa: F401  (the index's writers and names, re-exported)
    FTS, FTS_CREATE, FTS_TABLES, PG_TOKENS_INDEX, PG_TRGM_INDEX, hidden, index_attachment, index_entries, index_item,
    matching_items, reindex, unindex_attachment,
)
from engine.store.tables import Instance

T_ITEM = Instance.__table__
CAP = 500  # hits looked at per kind (serial, title, other texts; items by the filters alone), newest first


def search_page(*, conn: Connection, viewer: Viewer, query: rules.Query, now: datetime,
                definition: str | None = None, state: str | None = None, unit: str | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int,
                offset: int) -> tuple[int, bool, list[Any], dict[int, list[Any]]]:
    """(total, capped, item rows, hit documents by item) of what `viewer` may see that the query finds, best
    first: items whose serial it is, then title hits, then hits in other texts; newest first within each. Each
    kind looks at its newest CAP hits at most: `capped` says the total counts only those (a common word: refine
    the query). The visibility rule and the filters are inside the queries, so an item the viewer may not see
    is neither returned nor counted. With an empty query: the items the filters let through, newest first."""
    i = T_ITEM.c
    where = item_filters(viewer, definition=definition, state=state, unit=unit)
    if since is not None:
        where.append(i.created_at >= since)
    if until is not None:
        where.append(i.created_at < until)
    cols = [T_ITEM, overdue_clause(now).label("overdue")]
    order: dict[int, int] = {}  # item id -> how it ranks (0 serial, 1 title, 2 other), in order of rank
    capped = False
    if query.empty or query.serial is not None:  # items are numbered in the order they come: newest first by id
        which = [] if query.empty else [index.serial_clause(query.serial)]
        found = list(conn.execute(sa.select(i.id).where(*which, *where).order_by(i.id.desc()).limit(CAP)).scalars())
        capped |= len(found) >= CAP
        order.update((iid, 0) for iid in found)
    for w, part in ((1, "head"), (2, "body")):
        if query.terms:
            found = index.ranked_hits(conn=conn, query=query, part=part, where=where, cap=CAP)
            capped |= len(found) >= CAP
            for r in found:
                order.setdefault(r.instance_id, w)
    ids = list(order)[offset:offset + limit]
    by_id = {r.id: r for r in conn.execute(sa.select(*cols).where(i.id.in_(ids)))} if ids else {}
    rows = [by_id[x] for x in ids]
    return len(order), capped, rows, index.docs_of(conn, query, ids)
