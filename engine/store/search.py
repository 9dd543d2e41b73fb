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
from engine.store.lists import mentions_unit, overdue_clause, visible_clause
from engine.store.search_index import (  # noqa: F401  (the index's writers and names, re-exported)
    FTS, FTS_CREATE, PG_TOKENS_INDEX, PG_TRGM_INDEX, hidden, index_attachment, index_entries, index_item,
    matching_items, needs_reindex, reindex, unindex_attachment,
)
from engine.store.tables import Instance

T_ITEM = Instance.__table__


def search_page(*, conn: Connection, viewer: Viewer, query: rules.Query, now: datetime,
                definition: str | None = None, state: str | None = None, unit: str | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int,
                offset: int) -> tuple[int, list[Any], dict[int, list[Any]]]:
    """(total, item rows, hit documents by item) of what `viewer` may see that the query finds, best first:
    serial and title hits, then the rest; newer items first within each. The visibility rule is in the query, so
    an item the viewer may not see is neither returned nor counted. With an empty query: the filters alone."""
    i = T_ITEM.c
    where = [visible_clause(viewer)]
    if definition:
        where.append(i.definition_key == definition)
    if state:
        where.append(i.state == state)
    if unit:
        where.append(sa.or_(i.lead_unit == unit, mentions_unit(unit)))
    if since is not None:
        where.append(i.created_at >= since)
    if until is not None:
        where.append(i.created_at < until)
    cols = [T_ITEM, overdue_clause(now).label("overdue")]
    if query.empty:
        total = conn.execute(sa.select(sa.func.count()).select_from(T_ITEM).where(*where)).scalar_one()
        rows = list(conn.execute(sa.select(*cols, sa.literal(None).label("w")).where(*where)
                                 .order_by(i.created_at.desc(), i.id.desc()).limit(limit).offset(offset)))
        return total, rows, {}
    h = index.hits(conn, query)
    best = sa.select(h.c.iid, sa.func.min(h.c.w).label("w")).group_by(h.c.iid).subquery("best")
    joined = best.join(T_ITEM, T_ITEM.c.id == best.c.iid)
    total = conn.execute(sa.select(sa.func.count()).select_from(joined).where(*where)).scalar_one()
    rows = list(conn.execute(sa.select(*cols, best.c.w).select_from(joined).where(*where)
                             .order_by(best.c.w, i.created_at.desc(), i.id.desc()).limit(limit).offset(offset)))
    return total, rows, index.docs_of(conn, query, [r.id for r in rows])
