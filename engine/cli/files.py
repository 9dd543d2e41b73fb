"""`duban files gc`: remove the stored bytes no attachment refers to (an upload whose transaction failed) once they
are older than the grace period (DUBAN_FILES_GRACE_HOURS, 24 unless set; `--grace-hours` for one run). Bytes any
attachment row refers to — removed files included — are never touched."""
from __future__ import annotations

import argparse

from engine.clock import SystemClock
from engine.runtime.attachments import collect_garbage, files
from engine.runtime.boot import open_site


def files_command(args: argparse.Namespace) -> int:
    site = open_site(args.db, register=False)
    try:
        # the store's own write times are wall-clock times: compare them with the wall clock, not a drill clock
        gone = collect_garbage(site, SystemClock().now(), grace_hours=args.grace_hours)
        print(f"removed {len(gone)} unreferenced file(s) from {files(site).where}")
        for sha in gone:
            print(f"  {sha}")
    finally:
        site.eng.dispose()
    return 0
