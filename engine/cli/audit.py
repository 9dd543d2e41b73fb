"""`duban audit verify`: check the whole audit chain of the site's database (streamed, bounded memory) and name the
first event that was edited, deleted or inserted out of order. Exit status 0 when it verifies, 3 when it does not.
The head's hash it prints is worth noting down elsewhere: a later check that ends on the same hash proves that
nothing before it changed."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.store import audit, db
from engine.store.backup import parse_url, shown


def cmd_audit(args: argparse.Namespace) -> int:
    url = parse_url(args.db)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        print(f"duban audit: 没有这个数据库 / no database at {shown(url)}", file=sys.stderr)
        return 2
    eng = db.make_engine(url.render_as_string(hide_password=False))
    try:
        db.migrate(eng)  # a site from before the chain gets it (its events chained in id order)
        verdict = audit.verify(eng)
    finally:
        eng.dispose()
    if args.json:
        print(json.dumps(verdict.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(verdict.line(), file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 3
