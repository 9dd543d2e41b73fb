"""`duban board rebuild`: recompute the board's tally (督办看板, engine.store.board_tally) from the items, tasks and
attachments, in one transaction. Migration 0020 builds it when a site upgrades and every change keeps it; this is for
when rows were written around the engine's writers (a restore of a copied database, a bulk load)."""
from __future__ import annotations

import argparse

from engine.store import board_tally, db


def rebuild_command(args: argparse.Namespace) -> int:
    eng = db.make_engine(args.db)
    db.migrate(eng)  # the schema first (an old site gets its tally from the migration itself)
    with db.write(eng) as conn:
        n = board_tally.rebuild(conn=conn)
    eng.dispose()
    print(f"board tally rebuilt: {n['items']} items, {n['tally_rows']} tally rows\n"
          f"督办看板统计已重建：事项 {n['items']} 项，汇总 {n['tally_rows']} 行")
    return 0
