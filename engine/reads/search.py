"""Search (检索) as people see it: the items a person may see that a query finds, each with where it matched and
a highlighted snippet, best first; and the same query as the `q` filter of the ledger and 我的待办. How text is
matched and ranked is engine.core.search; the SQL (with the visibility rule inside it) is engine.store.search."""
from __future__ import annotations

import html
from datetime import date, datetime, time, timedelta
from typing import Any

from engine.core import search as rules
from engine.core.states import InputError
from engine.reads.lists import item_summary
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import db, search as search_store

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50


def read_query(q: str | None) -> rules.Query:
    """A query as typed, checked: at most MAX_QUERY characters (a 422 in both languages beyond)."""
    q = q or ""
    if len(q) > rules.MAX_QUERY:
        raise InputError("q", f"检索词最多 {rules.MAX_QUERY} 个字符", f"a query has at most {rules.MAX_QUERY} characters")
    return rules.read_query(q)


def search(site: Site, *, login: str, q: str | None, definition: str | None = None, state: str | None = None,
           unit: str | None = None, since: date | None = None, until: date | None = None, page: int = 1,
           page_size: int = PAGE_SIZE, lang: str = "zh") -> dict:
    """{"query", "results", "total", "capped", "page", "page_size"}: each result is the item's list line plus
    `matches` (field, field label, source, snippet as escaped HTML with <mark>), best first. `capped`: the query
    is so common that only its newest hits were looked at (engine.store.search.CAP each for serial, title and
    other texts); `total` counts those."""
    if page_size > MAX_PAGE_SIZE:
        raise InputError("page_size", f"每页最多 {MAX_PAGE_SIZE} 条", f"at most {MAX_PAGE_SIZE} results a page")
    query = read_query(q)
    tz = site.cal.tz
    start = datetime.combine(since, time(), tzinfo=tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time(), tzinfo=tz) if until else None
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, login, conn)
        total, capped, rows, docs = search_store.search_page(
            conn=conn, viewer=viewer, query=query, now=site.clock.now(), definition=definition, state=state,
            unit=unit, since=start, until=end, limit=page_size, offset=(page - 1) * page_size)
    results = []
    for r in rows:
        line = item_summary(site, r, lang)
        line["matches"] = _matches(site, r, query, docs.get(r.id, []), lang)
        results.append(line)
    return {"query": query.text, "results": results, "total": total, "capped": capped, "page": page,
            "page_size": page_size}


def _matches(site: Site, row: Any, query: rules.Query, docs: list[Any], lang: str, most: int = 3) -> list[dict]:
    """Where an item matched: the serial when typed as one, then its best documents (one per field and source)."""
    out = []
    if rules.serial_matches(query.serial, row.serial, row.serial_year, row.serial_no):
        out.append({"field": "serial", "label": rules.field_label("serial", lang), "source": "item",
                    "snippet": f"<mark>{html.escape(row.serial)}</mark>"})
    seen = {m["field"] for m in out}
    for d in docs:
        key = d.field if d.source != "attachment" else f"{d.field}:{d.ref_id}"
        if key in seen:
            continue
        seen.add(key)
        out.append({"field": d.field, "label": _label(site, row, d.field, lang), "source": d.source,
                    "snippet": rules.snippet(d.text, query.terms, norm=d.norm)})
        if len(out) >= most:
            break
    return out


def _label(site: Site, row: Any, field: str, lang: str) -> str:
    """A field's name in words: the definition's own label for a subject field, else search's."""
    if field not in rules.FIELD_LABELS:
        f = site.definition(row.definition_key, row.definition_version).fields.get(field)
        if f is not None and f.label is not None:
            return f.label.text(lang)
    return rules.field_label(field, lang)
