"""`duban search reindex`: rebuild the search index (检索) of every item and entry from the store, in one
transaction. Migration 0011 builds it when a site upgrades; this is for when it must be rebuilt (a restore of a
database copied without it, a change of how text is cut into tokens). Attachments keep their documents: their
text is extracted when they are uploaded, not kept in the store."""
from __future__ import annotations

import argparse

from engine.store import db, search as search_store


def reindex_command(args: argparse.Namespace) -> int:
    eng = db.make_engine(args.db)
    db.migrate(eng)  # the schema first (an old site gets its index from the migration itself)
    with db.write(eng) as conn:
        n = search_store.reindex(conn=conn)
    eng.dispose()
    print(f"search index rebuilt: {n['items']} items, {n['entries']} entries, {n['documents']} documents in all\n"
          f"检索索引已重建：事项 {n['items']} 项，记录 {n['entries']} 条，"
          f"文档共 {n['documents']} 个")
    return 0
