"""What the audit chain's head lock costs on PostgreSQL (issue 17), without the engine around it.

    .venv/bin/python -m bench.auditlock [--writers 1 2 8] [--seconds 5] [--admin-url URL]

On a scratch database (dropped afterwards) W threads, each with its own psycopg connection, commit transactions
as fast as they can for `--seconds`, in two ways measured in the same run:

- unchained: BEGIN; UPDATE a task-like row (its own row per writer); INSERT an event row; COMMIT;
- chained (what engine.store.audit.append does): the same, with the event chained onto the one-row head:
  UPDATE audit_head SET seq = seq + 1 RETURNING seq, hash; INSERT the event with its seq, prev_hash and sha256;
  UPDATE audit_head SET hash; COMMIT. The head's row lock is held from the first UPDATE to the COMMIT, so
  chained commits go one at a time (no group commit).

Prints transactions/s of both for each W and the ratio: the ceiling the chain puts on a site's audited writes.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import threading
import time
from pathlib import Path

import psycopg

from bench.postgres import DEFAULT_ADMIN, libpq, reachable, scratch

RESULTS = Path(__file__).resolve().parent / "results" / "auditlock.json"
DDL = [
    "CREATE TABLE task (id int PRIMARY KEY, state text NOT NULL, version int NOT NULL)",
    """CREATE TABLE event (id bigserial PRIMARY KEY, task_id int, kind text NOT NULL, data jsonb,
       seq bigint, prev_hash varchar(64), hash varchar(64))""",
    "CREATE UNIQUE INDEX ix_event_seq ON event (seq)",
    "CREATE TABLE audit_head (id int PRIMARY KEY, seq bigint NOT NULL, hash varchar(64) NOT NULL)",
    "INSERT INTO audit_head VALUES (1, 0, repeat('0', 64))",
]


def writer(url: str, me: int, chained: bool, stop: threading.Event, counts: list[int]) -> None:
    with psycopg.connect(url) as con:
        n = 0
        while not stop.is_set():
            with con.transaction():
                con.execute("UPDATE task SET version = version + 1 WHERE id = %s", (me,))
                if chained:
                    seq, prev = con.execute("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 "
                                            "RETURNING seq, hash").fetchone()
                    h = hashlib.sha256(f"{prev}|{seq}|{me}|{n}".encode()).hexdigest()
                    con.execute("INSERT INTO event (task_id, kind, data, seq, prev_hash, hash) "
                                "VALUES (%s, 'act', '{}', %s, %s, %s)", (me, seq, prev, h))
                    con.execute("UPDATE audit_head SET hash = %s WHERE id = 1", (h,))
                else:
                    con.execute("INSERT INTO event (task_id, kind, data) VALUES (%s, 'act', '{}')", (me,))
            n += 1
        counts[me] = n


def rate(url: str, writers: int, chained: bool, seconds: float) -> float:
    stop, counts = threading.Event(), [0] * writers
    threads = [threading.Thread(target=writer, args=(url, i, chained, stop, counts)) for i in range(writers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.auditlock", description=__doc__.split("\n")[0])
    p.add_argument("--writers", type=int, nargs="+", default=[1, 2, 8])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--admin-url", default=os.environ.get("DUBAN_BENCH_PG_URL", DEFAULT_ADMIN))
    args = p.parse_args(argv)
    why = reachable(args.admin_url)
    if why:
        print(f"auditlock: skipped, PostgreSQL not reachable: {why}")
        return 0
    out = []
    with scratch(args.admin_url, "duban_bench_auditlock") as url:
        url = libpq(url)
        with psycopg.connect(url, autocommit=True) as con:
            for stmt in DDL:
                con.execute(stmt)
            con.execute("INSERT INTO task SELECT g, 'active', 1 FROM generate_series(0, %s) g", (max(args.writers),))
        for w in args.writers:
            free, chained = rate(url, w, False, args.seconds), rate(url, w, True, args.seconds)
            out.append({"writers": w, "unchained_tx_s": round(free, 1), "chained_tx_s": round(chained, 1),
                        "ratio": round(chained / free, 3)})
            print(f"{w:>2} writer(s): unchained {free:8.1f} tx/s   chained (head lock) {chained:8.1f} tx/s   "
                  f"ratio {chained / free:.2f}", flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"seconds": args.seconds, "cpus": os.cpu_count(), "runs": out}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
