"""PostgreSQL benchmark: the directive lifecycle and the 10,000-timer sweep on PostgreSQL, each beside raw
PostgreSQL measured in the same run on the same server.

    .venv/bin/python -m bench.postgres [--admin-url URL] [--items 300] [--tasks 1000000] [--due 10000]
                                       [--no-sweep]

The admin URL (default DUBAN_BENCH_PG_URL, else postgresql://postgres@127.0.0.1:5432/postgres) must be allowed
to create databases: each part runs on a scratch database made for it and dropped afterwards. When the server
cannot be reached the benchmark says so and skips itself (exit 0).

Lifecycle: bench.lifecycle's eleven audited transitions per directive (`site.start` + ten `site.act`), timed
inside the engine calls only; beside it, raw psycopg doing BEGIN; UPDATE a task row; INSERT an event row;
COMMIT on copies of the engine's task and event tables (same columns and indexes, no foreign keys), as many
times as the engine made transitions. Sweep: bench.sweep's run (10,000 due chase timers among 1,000,000 open
tasks; an idle sweep; a second sweep at the same moment) beside its raw set-based SQL sweep on the same
timers re-armed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import lifecycle, sweep as sweep_bench  # noqa: E402
from engine.runtime.boot import demo_org_path, load_org_file, open_site  # noqa: E402
from engine.clock import ManualClock  # noqa: E402

DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent / "results" / "postgres.json"


def libpq(url: str) -> str:
    """A SQLAlchemy URL as psycopg wants it."""
    u = make_url(url).set(drivername="postgresql")
    return u.render_as_string(hide_password=False)


def reachable(admin: str) -> str | None:
    """None when we can connect and create databases, else the reason."""
    try:
        with psycopg.connect(libpq(admin), connect_timeout=3) as con:
            can = con.execute("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    except Exception as e:  # noqa: BLE001
        return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
    return None if can and can[0] else "the user may not create databases"


@contextmanager
def scratch(admin: str, name: str) -> Iterator[str]:
    """A fresh database on the admin URL's server, dropped afterwards; yields its URL."""
    with psycopg.connect(libpq(admin), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq(admin), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------ lifecycle
def raw_rate(url: str, n: int) -> dict:
    """Transactions/s of BEGIN; UPDATE task; INSERT event; COMMIT with psycopg directly."""
    with psycopg.connect(libpq(url)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.task (LIKE public.task INCLUDING ALL)")
        con.execute("CREATE TABLE raw.event (LIKE public.event INCLUDING ALL)")
        now = datetime.now(timezone.utc)
        with con.cursor() as cur:
            cur.executemany("INSERT INTO raw.task (instance_id, step, kind, part, unit, state, round, created_at, "
                            "card, chase_count, data, version) VALUES (%s, 'handle', 'work', 'co', 'hr', 'pending', "
                            "1, %s, 'none', 0, '{}', 1)", [(i // 3 + 1, now) for i in range(n)])
        ids = [r[0] for r in con.execute("SELECT id FROM raw.task ORDER BY id")]
        con.commit()
        t0 = time.perf_counter()
        for i, task_id in enumerate(ids):
            cur = con.execute("UPDATE raw.task SET state = %s, accepted_at = %s, version = %s "
                              "WHERE id = %s AND version = %s", ("active", now, 2, task_id, 1))
            if cur.rowcount != 1:
                raise RuntimeError("raw update missed its row")
            con.execute("INSERT INTO raw.event (instance_id, task_id, at, actor, kind, message_zh, message_en, data, "
                        "seq, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (i // 3 + 1, task_id, now, "hr.head", "accept", "陈部长签收", "hr.head signed for the task",
                         "{}", i + 1, "0" * 64, "0" * 64))
            con.commit()
        seconds = time.perf_counter() - t0
    return {"transactions": n, "seconds": seconds, "per_second": n / seconds}


def measure_lifecycle(url: str, items: int) -> dict:
    site = open_site(url, ManualClock(lifecycle.START))
    load_org_file(site, demo_org_path())
    try:
        lifecycle.run_engine(site, lifecycle.WARMUP)
        engine, wall = lifecycle.run_engine(site, items)
        lifecycle.check_finished(site, lifecycle.WARMUP + items)
    finally:
        site.eng.dispose()
    raw = raw_rate(url, max(engine.count, 1000))
    rate = engine.count / engine.seconds
    return {"items": items, "transitions": engine.count, "engine_seconds": engine.seconds, "wall_seconds": wall,
            "instances_per_second": items / engine.seconds, "transitions_per_second": rate,
            "ms_per_transition": engine.seconds / engine.count * 1e3,
            "per_action_ms": {k: s / n * 1e3 for k, (n, s) in engine.by_action.items()},
            "raw": raw, "ratio": rate / raw["per_second"]}


# ------------------------------------------------------------------ report
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__.split("\n")[0])
    ap.add_argument("--admin-url", default=os.environ.get("DUBAN_BENCH_PG_URL") or DEFAULT_ADMIN)
    ap.add_argument("--items", type=int, default=300, help="directives in the lifecycle run (default 300)")
    ap.add_argument("--tasks", type=int, default=1_000_000, help="open tasks in the sweep run (default 1,000,000)")
    ap.add_argument("--due", type=int, default=10_000, help="due timers in the sweep run (default 10,000)")
    ap.add_argument("--no-sweep", action="store_true", help="only the lifecycle")
    args = ap.parse_args(argv)
    shown = make_url(args.admin_url).render_as_string(hide_password=True)
    if why := reachable(args.admin_url):
        print(f"-- skipping bench.postgres: PostgreSQL unreachable at {shown} ({why}); "
              f"set DUBAN_BENCH_PG_URL or --admin-url")
        return 0
    tag = f"duban_bench_{os.getpid()}"
    with psycopg.connect(libpq(args.admin_url)) as con:
        server = con.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {server} at {shown}; psycopg {psycopg.__version__}, SQLAlchemy {sa.__version__}, "
          f"Python {platform.python_version()}")
    with scratch(args.admin_url, f"{tag}_life") as url:
        life = measure_lifecycle(url, args.items)
    rows = [
        ("lifecycle: audited transitions/s", f"{life['transitions_per_second']:.0f}  "
                                             f"({life['ms_per_transition']:.3f} ms each, {life['items']} directives)"),
        ("  raw psycopg UPDATE+INSERT txn/s", f"{life['raw']['per_second']:.0f}"),
        ("  ratio audited / raw", f"{life['ratio']:.1%}"),
    ]
    figures: dict = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "server": server,
                     "lifecycle": life}
    if not args.no_sweep:
        with scratch(args.admin_url, f"{tag}_sweep") as url:
            print(f"sweep: populating {args.tasks:,} open tasks and {args.due:,} due timers ...", flush=True)
            sw = sweep_bench.main(["--db-url", url, "--tasks", str(args.tasks), "--due", str(args.due)])
        figures["sweep"] = sw
        rows += [
            (f"sweep: {args.due:,} due timers among {args.tasks:,} tasks", f"{sw['sweep_s']:.3f} s"),
            ("  raw set-based SQL sweep", f"{sw['raw_set_based_s']:.3f} s"),
            ("  ratio sweep / raw", f"{sw['ratio']}x"),
            ("  idle sweep (median of 50)", f"{sw['idle_sweep_ms_median']} ms"),
            ("  second sweep at the same moment", f"fired {sw['second_sweep_fired']} in {sw['second_sweep_ms']} ms"),
        ]
    print()
    lifecycle._table(["PostgreSQL figure", "value"], rows)
    print()
    lifecycle._table(["transition", "ms each"], [(k, f"{v:.3f}") for k, v in life["per_action_ms"].items()])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
