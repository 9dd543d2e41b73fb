"""`duban serve` (the API, the pages and the scheduler; `--simulated-clock [START]` for a drill) and `duban sweep`
(one timer sweep by hand)."""
from __future__ import annotations

import argparse
from datetime import datetime

from engine.runtime.boot import open_site
from engine.runtime.sweep import sweep


def drill_start(text: str) -> datetime:
    """`--simulated-clock START`: an ISO time with its zone."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time like 2026-02-12T09:00:00+08:00") from None
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its zone, e.g. 2026-02-12T09:00:00+08:00")
    return when


def cmd_serve(args: argparse.Namespace) -> int:
    from api.server import serve  # uvicorn and the web app load only for this command

    return serve(host=args.host, port=args.port, scheduler=not args.no_scheduler, demo=args.demo,
                 simulated_clock=args.simulated_clock, db=args.db)


def cmd_sweep(args: argparse.Namespace) -> int:
    site = open_site(args.db)
    result = sweep(site)
    print(f"fired {len(result.fired)} timer(s), {len(result.failed)} failed")
    return 0
