"""The search index (检索): the search documents (table search_doc) written in the caller's transaction whenever
searchable text changes (an item started or its subject changed, an entry added, an attachment indexed or
removed), the SQL of which items a query finds, and the rebuild (`duban search reindex`). The page of results a
person sees (visibility inside the query) is engine.store.search; the ledger's and 我的待办's `q` use
`matching_items` here.

Index design (measured by bench/search.py). Every document keeps its normalised text (`norm`); a hit is a document
whose `norm` contains every normalised term (LIKE, so exact for any substring). What makes it fast is an index
that narrows the candidates first, by engine.core.search.tokens (CJK characters and neighbouring pairs, words):
- SQLite: two FTS5 tables (unicode61, rowid = search_doc.id): search_fts_head holds the serial and title
  documents' tokens, search_fts_body the others'; a query MATCHes all the terms' tokens ("ab" "bc" for a CJK term, "word"
  for a word), so a two-character or one-character term is a posting-list lookup, not a scan, and the newest
  hits come first (ORDER BY rowid DESC) without reading the rest.
- PostgreSQL: `tokens` is a text array with a GIN index (the pg_bigm idea: CJK pairs and single characters, and
  words; a title document's marked with HEAD_MARK), asked with @>; a pg_trgm GIN index on `norm` can answer LIKE
  '%term%' for terms of three or more characters. The newest hits: see _newest_first.
Latin words and numbers match as whole words on both databases.
A serial number typed any way (engine.core.search.parse_serial) is looked up on the item's own columns."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa
import yaml
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection

from engine.core import search as rules
from engine.store.tables import DefinitionRow, Entry, Instance, SearchDoc

T_DOC, T_ITEM, T_ENTRY, T_DEF = SearchDoc.__table__, Instance.__table__, Entry.__table__, DefinitionRow.__table__
FTS = "search_fts"  # the FTS5 tables' common prefix
# head: the tokens of serial and title documents; body: of every other document (a hit in the head ranks first)
FTS_TABLES = {"head": f"{FTS}_head", "body": f"{FTS}_body"}  # one FTS5 table each: a title search reads titles only
FTS_CREATE = tuple(f"CREATE VIRTUAL TABLE IF NOT EXISTS {t} USING fts5(tokens, tokenize = 'unicode61')"
                   for t in FTS_TABLES.values())
HEAD_FIELDS = tuple(rules.FIELD_WEIGHT)
HEAD_MARK = "^"  # PostgreSQL: the mark of a head document's tokens
INSERT_DOC = T_DOC.insert().returning(T_DOC.c.id, sort_by_parameter_order=True)
INSERT_FTS = {part: sa.text(f"INSERT INTO {t}(rowid, tokens) VALUES (:id, :tokens)") for part, t in FTS_TABLES.items()}
PG_TOKENS_INDEX, PG_TRGM_INDEX = "ix_search_doc_tokens", "ix_search_doc_norm_trgm"  # made by the migration
HIDDEN = frozenset({PG_TOKENS_INDEX, PG_TRGM_INDEX})  # database objects the models do not declare


def hidden(name: str | None) -> bool:
    """Whether a database object is search's own and not a model's (the FTS5 table and its shadow tables, the
    PostgreSQL GIN indexes): Alembic's comparison of models and database leaves them out."""
    return bool(name) and (name in HIDDEN or name == FTS or name.startswith(FTS + "_"))


PG_PROBES = (2_000, 20_000)  # the newest documents a PostgreSQL search walks first (see _newest_first)
BATCH = 2000


def _sqlite(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite"


# ------------------------------------------------------------------ writing documents
def add_docs(*, conn: Connection, docs: list[dict[str, Any]]) -> None:
    """Insert search documents (instance_id, source, ref_id, field, text, at) and their tokens."""
    if not docs:
        return
    sqlite = _sqlite(conn)
    rows, fts = [], []
    for d in docs:
        t = rules.tokens(d["text"])
        head = d["field"] in HEAD_FIELDS
        fts.append({"head": " ".join(t) if head else "", "body": "" if head else " ".join(t)})
        rows.append({**d, "norm": rules.normalise(d["text"]), "tokens": None if sqlite else _pg_tokens(t, head)})
    ids = list(conn.execute(INSERT_DOC, rows).scalars())
    if sqlite:
        for part in FTS_TABLES:
            rows_of = [{"id": i, "tokens": f[part]} for i, f in zip(ids, fts) if f[part]]
            if rows_of:
                conn.execute(INSERT_FTS[part], rows_of)


def _pg_tokens(tokens: list[str], head: bool) -> list[str]:
    """PostgreSQL: a serial or title document's tokens carry the HEAD_MARK, so that one GIN index answers a search
    of titles alone (as FTS5's head column does on SQLite)."""
    return [HEAD_MARK + t for t in tokens] if head else tokens


def drop_docs(*, conn: Connection, where: sa.ColumnElement[bool]) -> None:
    """Delete the search documents that `where` (over search_doc) picks, with their tokens."""
    if _sqlite(conn):
        for t in FTS_TABLES.values():
            conn.execute(sa.text(f"DELETE FROM {t} WHERE rowid IN ({_compiled_ids(conn, where)})"))
    conn.execute(T_DOC.delete().where(where))


def _compiled_ids(conn: Connection, where: sa.ColumnElement[bool]) -> str:
    return str(sa.select(T_DOC.c.id).where(where).compile(conn, compile_kwargs={"literal_binds": True}))


def index_item(*, conn: Connection, item_id: int, serial: str, title: str, subject: dict,
               searched: list[str] | tuple[str, ...], title_field: str, at: datetime) -> None:
    """(Re)write an item's own documents: serial, title, searched subject fields (a start, a subject change)."""
    drop_docs(conn=conn, where=sa.and_(T_DOC.c.instance_id == item_id, T_DOC.c.source == "item"))
    add_docs(conn=conn, docs=[{"instance_id": item_id, "source": "item", "ref_id": None, "field": f, "text": t,
                               "at": at} for f, t in rules.item_texts(serial, title, subject, searched, title_field)])


def index_entries(*, conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Documents of new entries (rows with id, instance_id, kind, text, at): progress and completion reports,
    opinions, comments, instructions."""
    add_docs(conn=conn, docs=[{"instance_id": r["instance_id"], "source": "entry", "ref_id": r["id"],
                               "field": r["kind"], "text": r["text"], "at": r["at"]}
                              for r in rows if (r.get("text") or "").strip()])


def index_attachment(*, conn: Connection, attachment_id: int, instance_id: int, name: str, text: str | None,
                     at: datetime | None = None) -> None:
    """Make an attachment findable by its name and by the text inside it (PDF, Word: extracted by the caller),
    in the caller's transaction; indexing it again replaces what was there."""
    unindex_attachment(conn=conn, attachment_id=attachment_id)
    when = at or conn.execute(sa.select(T_ITEM.c.created_at).where(T_ITEM.c.id == instance_id)).scalar_one()
    docs = [{"instance_id": instance_id, "source": "attachment", "ref_id": attachment_id, "field": "attachment",
             "text": name, "at": when}]
    docs += [{"instance_id": instance_id, "source": "attachment", "ref_id": attachment_id,
              "field": "attachment_text", "text": piece, "at": when} for piece in rules.chunks(text or "")]
    add_docs(conn=conn, docs=docs)


def unindex_attachment(*, conn: Connection, attachment_id: int) -> None:
    """A removed attachment stops matching (its name and text leave the index)."""
    drop_docs(conn=conn, where=sa.and_(T_DOC.c.source == "attachment", T_DOC.c.ref_id == attachment_id))


# ------------------------------------------------------------------ rebuilding
def definition_fields(*, conn: Connection) -> dict[tuple[str, int], tuple[list[str], str]]:
    """Each stored definition's searched subject fields and title field, read from its stored source."""
    out = {}
    for r in conn.execute(sa.select(T_DEF.c.key, T_DEF.c.version, T_DEF.c.source)):
        doc = yaml.safe_load(r.source) or {}
        out[(r.key, r.version)] = (rules.text_fields(doc.get("fields") or {}), doc.get("title_field") or "title")
    return out


def reindex(*, conn: Connection) -> dict[str, int]:
    """Rebuild every item's and entry's documents from the store (attachments' documents are kept: their text
    is not in this store); returns counts {"items", "entries", "documents"}."""
    if _sqlite(conn):
        for create, t in zip(FTS_CREATE, FTS_TABLES.values()):
            conn.exec_driver_sql(create)
            conn.exec_driver_sql(f"DELETE FROM {t} WHERE rowid IN (SELECT id FROM search_doc "
                                 "WHERE source IN ('item', 'entry'))")
    conn.execute(T_DOC.delete().where(T_DOC.c.source.in_(["item", "entry"])))
    defs = definition_fields(conn=conn)
    i = T_ITEM.c
    n_items = n_entries = 0
    last = 0
    while True:
        rows = list(conn.execute(sa.select(i.id, i.definition_key, i.definition_version, i.serial, i.title,
                                           i.subject, i.created_at).where(i.id > last).order_by(i.id).limit(BATCH)))
        if not rows:
            break
        docs = []
        for r in rows:
            searched, title_field = defs.get((r.definition_key, r.definition_version), ([], "title"))
            docs += [{"instance_id": r.id, "source": "item", "ref_id": None, "field": f, "text": t,
                      "at": r.created_at}
                     for f, t in rules.item_texts(r.serial, r.title, r.subject or {}, searched, title_field)]
        add_docs(conn=conn, docs=docs)
        n_items += len(rows)
        last = rows[-1].id
    e = T_ENTRY.c
    last = 0
    while True:
        rows = [r._asdict() for r in conn.execute(sa.select(e.id, e.instance_id, e.kind, e.text, e.at)
                                                  .where(e.id > last).order_by(e.id).limit(BATCH))]
        if not rows:
            break
        index_entries(conn=conn, rows=rows)
        n_entries += len(rows)
        last = rows[-1]["id"]
    total = conn.execute(sa.select(sa.func.count()).select_from(T_DOC)).scalar_one()
    return {"items": n_items, "entries": n_entries, "documents": total}


# ------------------------------------------------------------------ querying
def _fts_match(terms: Iterable[rules.Term]) -> str:
    """The FTS5 query of all the terms' tokens: "ab" "bc" (CJK pairs or characters), "word" (whole words and
    numbers: a prefix query would merge every longer word's list before the first row)."""
    parts = []
    for t in terms:
        parts += [f'"{c}"' for c in t.cjk]
        parts += [f'"{w}"' for w in t.words]
    return " ".join(dict.fromkeys(parts))


def _doc_conditions(conn: Connection, terms: tuple[rules.Term, ...],
                    part: str | None = None) -> list[sa.ColumnElement[bool]]:
    """search_doc rows holding every term (in serial and title documents only with `part` "head", in the others
    with "body"): the index narrows, LIKE on `norm` decides."""
    d = T_DOC.c
    like = [d.norm.contains(t.norm, autoescape=True) for t in terms]
    if _sqlite(conn):
        m = _fts_match(terms)
        ins = [d.id.in_(sa.select(sa.literal_column("rowid")).select_from(sa.table(t)).where(
            sa.text(f"{t} MATCH :fts_{p}").bindparams(**{f"fts_{p}": m})))
            for p, t in FTS_TABLES.items() if part in (None, p)]
        return like + [sa.or_(*ins)]
    # every token (whole words, as on SQLite); the cheap array test comes before LIKE on the whole text, and a
    # long term's LIKE may also go through the trigram index
    toks = sorted({tok for t in terms for tok in t.cjk + t.words})
    has = sa.type_coerce(d.tokens, ARRAY(sa.Text())).contains
    head = d.field.in_(HEAD_FIELDS)
    if not toks:
        return ([head] if part == "head" else [sa.not_(head)] if part == "body" else []) + like
    marked = has([HEAD_MARK + x for x in toks])
    return [marked if part == "head" else has(toks) if part == "body" else sa.or_(marked, has(toks))] + like


def _weight() -> sa.ColumnElement[int]:
    return sa.case(*((T_DOC.c.field == f, w) for f, w in rules.FIELD_WEIGHT.items()), else_=rules.OTHER_WEIGHT)


def serial_clause(s: rules.Serial) -> sa.ColumnElement[bool]:
    i = T_ITEM.c
    conds = [i.serial_no == s.no]
    if s.year is not None:
        conds.append(i.serial_year == s.year)
    if s.prefix:
        conds.append(i.serial.startswith(s.prefix, autoescape=True))
    return sa.and_(*conds)


def hits(conn: Connection, query: rules.Query) -> sa.Subquery:
    """(iid, w) of every hit of the query: documents holding all terms, and items whose serial it is."""
    parts = []
    if query.terms:
        parts.append(sa.select(T_DOC.c.instance_id.label("iid"), _weight().label("w"))
                     .where(*_doc_conditions(conn, query.terms)))
    if query.serial is not None:
        parts.append(sa.select(T_ITEM.c.id.label("iid"), sa.literal(0).label("w"))
                     .where(serial_clause(query.serial)))
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("hits")


def matching_items(*, conn: Connection, query: rules.Query) -> sa.Select:
    """SELECT of the ids of the items a query finds (for the ledger's and 我的待办's `q` filter)."""
    if query.empty:
        return sa.select(T_ITEM.c.id).where(sa.false())
    h = hits(conn, query)
    return sa.select(h.c.iid)


def docs_of(conn: Connection, query: rules.Query, item_ids: list[int]) -> dict[int, list[Any]]:
    """The documents of the given items that hold the query's terms, best first (serial, title, then the newest);
    a hit by serial number alone has none (engine.core.search.serial_matches tells it)."""
    out: dict[int, list[Any]] = {iid: [] for iid in item_ids}
    if not item_ids:
        return out
    d = T_DOC.c
    q = sa.select(d.instance_id, d.source, d.ref_id, d.field, d.text, d.norm, d.at, _weight().label("w")).where(
        d.instance_id.in_(item_ids))
    if not query.terms:
        return out
    q = q.where(*(d.norm.contains(t.norm, autoescape=True) for t in query.terms))  # a few rows: no index needed
    for r in conn.execute(q.order_by(d.instance_id, "w", d.at.desc(), d.id.desc())):
        out[r.instance_id].append(r)
    return out


def ranked_hits(*, conn: Connection, query: rules.Query, part: str, where: list[sa.ColumnElement[bool]],
                cap: int) -> list[Any]:
    """(instance_id, id) of the newest `cap` documents holding every term of the query, in serial and title
    documents (part "head") or in the others ("body"), of items that pass `where` (over the item table: the
    visibility rule and the filters), newest first. The index walks its matches newest first and stops at `cap`,
    so a common word costs no more than a rare one."""
    d = T_DOC.c
    like = [d.norm.contains(t.norm, autoescape=True) for t in query.terms]
    joined = T_DOC.join(T_ITEM, T_ITEM.c.id == d.instance_id)
    if _sqlite(conn):
        table = FTS_TABLES[part]
        fts = sa.table(table, sa.column("rowid"))
        match = sa.text(f"{table} MATCH :fts_match").bindparams(fts_match=_fts_match(query.terms))
        sel = (sa.select(d.instance_id, d.id).select_from(fts.join(joined, d.id == fts.c.rowid))
               .where(match, *like, *where).order_by(fts.c.rowid.desc()))
    else:
        sel = sa.select(d.instance_id, d.id).select_from(joined).where(*_doc_conditions(conn, query.terms, part),
                                                                        *where)
        return _newest_first(conn, sel, cap)
    return list(conn.execute(sel.limit(cap)))


def _newest_first(conn: Connection, sel: sa.Select, cap: int) -> list[Any]:
    """PostgreSQL: `sel`'s newest `cap` rows in steps. First among the newest PG_PROBES documents, walking the key
    down (a common word fills the cap there at once); then, if it did not, among the older ones through the GIN
    indexes (ordering by `id + 0` keeps the planner off the key), sorting only their matches, which are few when
    the walks found fewer than `cap`. One plan for both would either walk the whole key for a rare word or fetch
    and sort every match of a common one."""
    d = T_DOC.c
    top = conn.execute(sa.select(sa.func.max(d.id))).scalar() or 0
    found: list[Any] = []
    hi = top + 1
    for probe in PG_PROBES:
        lo = max(0, top - probe)
        found += conn.execute(sel.where(d.id > lo, d.id < hi).order_by(d.id.desc()).limit(cap - len(found)))
        hi = lo + 1
        if len(found) >= cap or lo == 0:
            return found
    found += conn.execute(sel.where(d.id < hi).order_by((d.id + 0).desc()).limit(cap - len(found)))
    return found
