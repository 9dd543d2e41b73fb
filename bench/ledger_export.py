"""The ledger exports in-process (issue 17: 100,000 rows, XLSX < 5 s, CSV < 2 s): the CPU time a row costs to read
(engine.reads.ledger.rows), to read and write as CSV (api.ledger_files.csv_chunks) and as XLSX
(api.ledger_files.write_xlsx), over the first `--rows` rows the office sees, on a store given by `--db` or built by
bench.bigsite_build. CPU time (time.process_time), not the wall clock: the figures hold on a shared machine.
`--against DIR`: another checkout (`git archive main | tar -x -C DIR`) measured first in the same run, on the same
store, by its own bench.ledger_export in a child process: the baseline, each figure printed with its ratio to it.

    .venv/bin/python -m bench.ledger_export [--db URL | --tasks 360000] [--rows 10000] [--profile xlsx]
                                            [--against DIR]
"""
from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.ledger_export", description=__doc__.split("\n")[0])
    p.add_argument("--db", help="an existing store (else one is built in a temporary SQLite file)")
    p.add_argument("--tasks", type=int, default=360_000, help="tasks of the store built (about 100,000 items)")
    p.add_argument("--rows", type=int, default=10_000, help="rows measured (the first the office sees)")
    p.add_argument("--profile", choices=("rows", "csv", "xlsx"), help="also print a cProfile of one of them")
    p.add_argument("--against", metavar="DIR", help="a checkout measured first on the same store, as the baseline")
    args = p.parse_args(argv)
    from api import ledger_files
    from engine.clock import SystemClock
    from engine.reads import supervision
    from engine.runtime.boot import open_site
    tmp = tempfile.mkdtemp(prefix="duban-ledger-")
    url = args.db
    if url is None:
        from bench.bigsite_build import build
        url = f"sqlite:///{tmp}/ledger.db"
        print(f"building {args.tasks:,} tasks: {build(url, args.tasks)['build_s']} s", flush=True)
    base = baseline(args.against, url, args.rows) if args.against else {}
    site = open_site(url, SystemClock())

    def rows():
        return itertools.islice(supervision.ledger_rows(site, login="office", lang="zh"), args.rows)

    out = os.path.join(tmp, "ledger.xlsx")
    runs = {"rows": lambda: sum(1 for _ in rows()),
            "csv": lambda: sum(len(c) for c in ledger_files.csv_chunks(rows())),
            "xlsx": lambda: ledger_files.write_xlsx(rows(), out)}
    sum(1 for _ in itertools.islice(rows(), 100))  # definitions, calendar, statement caches
    for name, run in runs.items():
        t0 = time.process_time()
        run()
        took = time.process_time() - t0
        per_row = took / args.rows * 1e6
        ratio = f"  x{per_row / base[name]:.2f} of the baseline's {base[name]:.0f} us" if name in base else ""
        print(f"  {name:<5} {took:7.2f} s CPU for {args.rows:,} rows: {per_row:6.0f} us a row "
              f"({took / args.rows * 100_000:5.1f} s for 100,000){ratio}", flush=True)
    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(runs[args.profile])
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    site.eng.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


def baseline(tree: str, url: str, rows: int) -> dict[str, float]:
    """The µs a row of each figure as the checkout `tree` measures them on the store `url` (its own bench, run as a
    child process with `tree` first on the path); printed as it goes."""
    env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
    out = subprocess.run([sys.executable, "-m", "bench.ledger_export", "--db", url, "--rows", str(rows)],
                         cwd=tree, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"the baseline at {tree} failed:\n{out.stderr[-2000:]}")
    print(f"baseline ({tree}):\n{out.stdout.rstrip()}\nthis checkout:", flush=True)
    return {m[1]: float(m[2]) for m in re.finditer(r"^\s+(\w+)\s+[\d.]+ s CPU for [\d,]+ rows:\s+(\d+) us",
                                                     out.stdout, re.M)}


if __name__ == "__main__":
    sys.exit(main())
