"""Lifecycle benchmark: directives through their whole life in-process, against raw sqlite3 on the same kind of file.

    .venv/bin/python -m bench.lifecycle [--items N] [--db PATH] [--repeat R] [--floor-items F] [--profile]

Each directive is issued (lead + 2 co units), registered, assigned, signed for by three units, answered by the
two co units, reported on and completed by the lead, and approved at verification: 11 audited transitions
(one `site.start` + ten `site.act`). Only the time inside `start`/`act` counts; finding the next task ids
between calls is excluded. The raw figure is one sqlite3 transaction (BEGIN IMMEDIATE; UPDATE a task-like
row; INSERT an event-like row; COMMIT) on a second file in the same directory with the engine's pragmas.
The SQL floor replays the engine's own recorded statements with sqlite3: what SQLite alone needs.
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from engine.runtime.boot import demo_org_path, load_org_file, open_site  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.runtime.site import Site  # noqa: E402
from engine.core.states import OPEN_TASK_STATES  # noqa: E402
from engine.store import db  # noqa: E402
from engine.store.tables import Instance, Task  # noqa: E402

TARGET = 0.25  # audited transitions/s should be at least this share of the raw sqlite3 rate
START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning
RESULTS = Path(__file__).resolve().parent / "results" / "lifecycle.json"
WARMUP = 3  # directives run before timing: loads definitions, org, calendar, templates, statement caches
SUBJECT = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部、信息技术部配合。",
           "leader": "leader", "lead_unit": "finance", "co_units": ["hr", "it"], "due": "2026-03-20"}
ASSIGN = {"lead": "finance", "co": ["hr", "it"], "due": "2026-03-20"}
T = Task.__table__
OPEN_TASKS = sa.select(T.c.id, T.c.step, T.c.unit).where(
    T.c.instance_id == sa.bindparam("item"), T.c.state.in_(sorted(s.value for s in OPEN_TASK_STATES)))


class Recorder:
    """Records the SQL the engine sends to sqlite3 (while `active`), to replay it without the engine."""

    def __init__(self, eng: sa.engine.Engine):
        self.eng, self.active, self.log = eng, False, []
        self._hooks = [("before_cursor_execute", self._execute), ("commit", self._commit), ("rollback", self._rollback)]
        for name, fn in self._hooks:
            event.listen(eng, name, fn)

    def _execute(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:  # noqa: ANN001
        if self.active:
            self.log.append((statement, parameters, executemany))

    def _commit(self, _conn) -> None:  # noqa: ANN001
        if self.active:
            self.log.append(("COMMIT", (), False))

    def _rollback(self, _conn) -> None:  # noqa: ANN001
        if self.active:
            self.log.append(("ROLLBACK", (), False))

    def close(self) -> None:
        for name, fn in self._hooks:
            event.remove(self.eng, name, fn)


class Timed:
    """Calls `site.start` / `site.act`, counting transitions and the seconds spent inside them."""

    def __init__(self, site: Site, profiler: cProfile.Profile | None = None, recorder: Recorder | None = None):
        self.site, self.profiler, self.recorder = site, profiler, recorder
        self.count, self.seconds, self.cpu = 0, 0.0, 0.0
        self.by_action: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def _call(self, name: str, fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003
        if self.recorder:
            self.recorder.active = True
        if self.profiler:
            self.profiler.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            dt = time.perf_counter() - t0
            self.cpu += time.process_time() - c0
            if self.profiler:
                self.profiler.disable()
            if self.recorder:
                self.recorder.active = False
            self.count += 1
            self.seconds += dt
            self.by_action[name][0] += 1
            self.by_action[name][1] += dt

    def start(self, subject: dict, by: str) -> int:
        return self._call("start", self.site.start, "directive", subject, by)

    def act(self, task_id: int, action: str, login: str, data: dict | None = None) -> None:
        self._call(action if action != "complete" or "report" in (data or {}) else "complete (co)",
                   self.site.act, task_id, action, login, data)


def open_tasks(site: Site, item: int) -> dict[str, int]:
    """Open task ids of an item: 'register', 'assign', 'verify', or 'handle:<unit>'."""
    with db.read(site.eng) as conn:
        return {(f"{r.step}:{r.unit}" if r.step == "handle" else r.step): r.id
                for r in conn.execute(OPEN_TASKS, {"item": item})}


def one_directive(t: Timed) -> None:
    site = t.site
    item = t.start(SUBJECT, "leader")
    t.act(open_tasks(site, item)["register"], "submit", "clerk")
    t.act(open_tasks(site, item)["assign"], "assign", "office", ASSIGN)
    handle = open_tasks(site, item)
    for unit in ("finance", "hr", "it"):
        t.act(handle[f"handle:{unit}"], "accept", f"{unit}.head")
    for unit in ("hr", "it"):
        t.act(handle[f"handle:{unit}"], "complete", f"{unit}.head", {"opinion": f"{unit} 同意方案"})
    t.act(handle["handle:finance"], "progress", "finance.head", {"text": "已完成自查", "percent": 60})
    t.act(handle["handle:finance"], "complete", "finance.head", {"report": "检查完毕，报告附后"})
    t.act(open_tasks(site, item)["verify"], "approve", "clerk", {"comment": "材料齐全"})


def run_engine(site: Site, items: int, profiler: cProfile.Profile | None = None,
               recorder: Recorder | None = None) -> tuple[Timed, float]:
    t = Timed(site, profiler, recorder)
    wall = time.perf_counter()
    for _ in range(items):
        one_directive(t)
    return t, time.perf_counter() - wall


RAW_DDL = [  # the columns and indexes of the engine's task and event tables (no foreign keys)
    """CREATE TABLE task (id INTEGER PRIMARY KEY, instance_id INTEGER NOT NULL, step VARCHAR(64) NOT NULL,
       kind VARCHAR(16) NOT NULL, part VARCHAR(8) NOT NULL, person VARCHAR(64), unit VARCHAR(64), role VARCHAR(32),
       state VARCHAR(16) NOT NULL, round INTEGER NOT NULL, due_at DATETIME, created_at DATETIME NOT NULL,
       accepted_at DATETIME, closed_at DATETIME, from_task INTEGER, sender VARCHAR(64), card VARCHAR(8) NOT NULL,
       chase_count INTEGER NOT NULL, last_chased_at DATETIME, outcome VARCHAR(32), data JSON,
       version INTEGER NOT NULL)""",
    "CREATE INDEX ix_task_instance_id ON task (instance_id)",
    "CREATE INDEX ix_task_person_state ON task (person, state)",
    "CREATE INDEX ix_task_unit_state ON task (unit, state)",
    "CREATE INDEX ix_task_role_state ON task (role, state)",
    """CREATE TABLE event (id INTEGER PRIMARY KEY, instance_id INTEGER, task_id INTEGER, at DATETIME NOT NULL,
       actor VARCHAR(64), kind VARCHAR(32) NOT NULL, message_zh TEXT NOT NULL, message_en TEXT NOT NULL,
       data JSON, seq BIGINT NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL)""",
    "CREATE UNIQUE INDEX ix_event_seq ON event (seq)",
    "CREATE INDEX ix_event_calendar_file ON event (seq) WHERE kind = 'calendar_file'",
    "CREATE INDEX ix_event_instance_id ON event (instance_id)",
    "CREATE INDEX ix_event_task_id ON event (task_id)",
    "CREATE INDEX ix_event_at ON event (at)",
    "CREATE INDEX ix_event_actor ON event (actor)",
]


def _connect(path: Path) -> sqlite3.Connection:
    """A sqlite3 connection with the engine's pragmas (engine/store/db.py); we issue BEGIN ourselves."""
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
        con.execute(f"PRAGMA {pragma}")
    return con


def raw_rate(path: Path, n: int) -> dict:
    """Transactions/s of BEGIN IMMEDIATE; UPDATE task; INSERT event; COMMIT with Python's sqlite3 directly."""
    con = _connect(path)
    for ddl in RAW_DDL:
        con.execute(ddl)
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ")
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO task (instance_id, step, kind, part, unit, state, round, created_at, card, "
                    "chase_count, data, version) VALUES (?, 'handle', 'work', 'co', 'hr', 'pending', 1, ?, 'none', "
                    "0, '{}', 1)", [(i // 3 + 1, now) for i in range(n)])
    con.execute("COMMIT")
    t0 = time.perf_counter()
    for i in range(1, n + 1):
        con.execute("BEGIN IMMEDIATE")
        cur = con.execute("UPDATE task SET state = ?, accepted_at = ?, version = ? WHERE id = ? AND version = ?",
                          ("active", now, 2, i, 1))
        if cur.rowcount != 1:
            raise RuntimeError("raw update missed its row")
        con.execute("INSERT INTO event (instance_id, task_id, at, actor, kind, message_zh, message_en, data, seq, "
                    "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (i // 3 + 1, i, now, "hr.head", "accept", "陈部长签收", "hr.head signed for the task", "{}", i,
                     "0" * 64, "0" * 64))
        con.execute("COMMIT")
    seconds = time.perf_counter() - t0
    con.close()
    return {"transactions": n, "seconds": seconds, "per_second": n / seconds}


def sql_floor(site: Site, path: Path, copy: Path, items: int) -> dict:
    """Run `items` more directives recording the engine's SQL, then replay exactly that SQL with sqlite3 on a
    copy of the database taken just before: the time SQLite itself needs, with no engine code around it."""
    src, dst = sqlite3.connect(path), sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.close()
    rec = Recorder(site.eng)
    try:
        engine = run_engine(site, items, recorder=rec)[0]
    finally:
        rec.close()
    con = _connect(copy)
    t0 = time.perf_counter()
    for statement, params, many in rec.log:
        if statement.startswith("BEGIN") and con.in_transaction:
            con.execute("ROLLBACK")  # the pool ended the last one by a reset (a rollback no event recorded)
        if statement in ("COMMIT", "ROLLBACK") and not con.in_transaction:
            continue  # a transaction whose BEGIN the driver sent by itself (not recorded): nothing to end
        if many and isinstance(params, list):  # insertmanyvalues batches arrive as one flat tuple: execute them
            con.executemany(statement, params)
        else:
            con.execute(statement, params).fetchall()
    seconds = time.perf_counter() - t0
    con.close()
    return {"transitions": engine.count, "statements": len(rec.log), "seconds": seconds,
            "per_second": engine.count / seconds, "statements_per_transition": len(rec.log) / engine.count}


def fresh_site(path: Path) -> tuple[Site, ManualClock]:
    clock = ManualClock(START)
    site = open_site(f"sqlite:///{path}", clock)
    load_org_file(site, demo_org_path())
    return site, clock


def check_finished(site: Site, expected: int) -> None:
    c = Instance.__table__.c
    with db.read(site.eng) as conn:
        done = conn.execute(sa.select(sa.func.count()).where(c.state == "completed")).scalar_one()
    if done != expected:
        raise SystemExit(f"benchmark is wrong: {done} items completed, expected {expected}")


def profile_table(prof: cProfile.Profile, transitions: int, top: int = 15) -> list[dict]:
    stats = pstats.Stats(prof)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)[:top]  # type: ignore[attr-defined]
    out = []
    for (file, line, name), (_cc, ncalls, tottime, cumtime, _callers) in rows:
        out.append({"function": _where(file, line, name), "calls_per_transition": ncalls / transitions,
                    "cumulative_us": cumtime / transitions * 1e6, "own_us": tottime / transitions * 1e6})
    return out


def _where(file: str, line: int, name: str) -> str:
    if file == "~":
        return name  # a built-in
    for root in (str(Path(__file__).resolve().parents[1]) + os.sep, f"{os.sep}site-packages{os.sep}",
                 f"{os.sep}lib{os.sep}python3.{sys.version_info.minor}{os.sep}"):
        if root in file:
            file = file.split(root, 1)[1]
            break
    return f"{file}:{line}({name})"


def _side_files(path: Path) -> tuple[Path, Path]:
    """The raw sqlite3 file and the floor replay's copy, beside the engine's database."""
    return path.with_name(f"{path.stem}.raw.db"), path.with_name(f"{path.stem}.floor.db")


def measure(path: Path, items: int, floor_items: int, profile_items: int) -> dict:
    """One run on fresh files: the engine, then raw sqlite3 beside it, then (optionally) the floor and profile."""
    raw_path, floor_path = _side_files(path)
    site, _clock = fresh_site(path)
    try:
        run_engine(site, WARMUP)
        engine, wall = run_engine(site, items)
        check_finished(site, WARMUP + items)
        raw = raw_rate(raw_path, max(engine.count, 1000))
        floor = sql_floor(site, path, floor_path, floor_items) if floor_items else None
        prof_rows = None
        if profile_items:
            prof = cProfile.Profile()
            prof_rows = profile_table(prof, run_engine(site, profile_items, prof)[0].count)
    finally:
        site.eng.dispose()
    return {"engine": engine, "wall": wall, "raw": raw, "floor": floor, "profile": prof_rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.lifecycle", description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=300, help="directives to run (default 300)")
    ap.add_argument("--db", type=Path, help="engine database file to create (must not exist; NAME.raw.db and "
                                            "NAME.floor.db go beside it and are kept); default: a temp dir")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs on fresh files; each figure is the best of them (default 1)")
    ap.add_argument("--floor-items", type=int, default=100,
                    help="directives whose SQL is replayed without the engine (default 100; 0: skip)")
    ap.add_argument("--profile", action="store_true", help="also profile a short run and print the top 15")
    ap.add_argument("--profile-items", type=int, default=50, help="directives in the profiled run (default 50)")
    ap.add_argument("--no-json", action="store_true", help="do not write bench/results/lifecycle.json")
    ap.add_argument("--spiff-items", type=int, default=200, help="instances of the SpiffWorkflow comparison "
                    "(bench/spiff.py; default 200; 0: skip)")
    args = ap.parse_args(argv)
    if args.items < 1 or args.repeat < 1:
        ap.error("--items and --repeat must be at least 1")
    if args.db and args.repeat > 1:
        ap.error("--db makes one run; leave out --repeat")
    for p in [args.db, *_side_files(args.db)] if args.db else []:
        if p.exists():
            ap.error(f"{p} exists; the benchmark needs fresh files")

    runs = []
    for i in range(args.repeat):
        tmp = None if args.db else Path(tempfile.mkdtemp(prefix="duban-bench-"))
        try:
            runs.append(measure(args.db or tmp / "duban.db", args.items, args.floor_items,
                                args.profile_items if args.profile and i == 0 else 0))
        finally:
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)

    best = min(runs, key=lambda r: r["engine"].seconds)
    engine = best["engine"]
    raw = max((r["raw"] for r in runs), key=lambda x: x["per_second"])
    floor = max((r["floor"] for r in runs if r["floor"]), key=lambda x: x["per_second"], default=None)
    rate = engine.count / engine.seconds
    result = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "items": args.items, "repeat": args.repeat, "transitions": engine.count,
        "transitions_per_item": engine.count / args.items,
        "engine_seconds": engine.seconds, "wall_seconds": best["wall"],
        "instances_per_second": args.items / engine.seconds, "transitions_per_second": rate,
        "ms_per_transition": engine.seconds / engine.count * 1e3,
        "cpu_ms_per_transition": min(r["engine"].cpu for r in runs) / engine.count * 1e3,
        "per_action_ms": {k: s / n * 1e3 for k, (n, s) in engine.by_action.items()},
        "raw": raw, "ratio": rate / raw["per_second"], "target": TARGET, "met": rate / raw["per_second"] >= TARGET,
        "sql_floor": floor,
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "sqlalchemy": sa.__version__,
        "profile": runs[0]["profile"],
    }
    print_report(result)
    if args.spiff_items:
        from bench import spiff
        result["spiffworkflow"] = spiff.compare(args.spiff_items)
        if result["spiffworkflow"]:
            spiff.print_comparison(result["spiffworkflow"])
    if not args.no_json:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten to {RESULTS}")
    return 0


def print_report(r: dict) -> None:
    best = f", best of {r['repeat']} runs" if r["repeat"] > 1 else ""
    print(f"Duban lifecycle: {r['items']} directives, {r['transitions']} audited transitions "
          f"({r['transitions_per_item']:.0f} each){best}")
    print(f"Python {r['python']}, SQLite {r['sqlite']}, SQLAlchemy {r['sqlalchemy']}; "
          f"WAL, synchronous=NORMAL, foreign_keys=ON")
    rows = [
        ("engine time in start/act", f"{r['engine_seconds']:.2f} s"),
        ("wall time (with task look-ups)", f"{r['wall_seconds']:.2f} s"),
        ("instances/s", f"{r['instances_per_second']:.1f}"),
        ("audited transitions/s", f"{r['transitions_per_second']:.0f}"),
        ("ms per transition", f"{r['ms_per_transition']:.3f}"),
        ("  of which this process's CPU", f"{r['cpu_ms_per_transition']:.3f} ms (the rest: waiting for the disk, "
                                          f"or for a CPU other work holds)"),
        ("raw sqlite3 UPDATE+INSERT txn/s", f"{r['raw']['per_second']:.0f}"),
        ("ratio audited / raw", f"{r['ratio']:.1%} (target >= {r['target']:.0%}: {'met' if r['met'] else 'NOT met'})"),
    ]
    f = r["sql_floor"]
    if f:
        rows += [
            ("engine's own SQL via sqlite3 /s", f"{f['per_second']:.0f} ({f['statements_per_transition']:.1f} "
                                                f"statements each, BEGIN and COMMIT included)"),
            ("  floor ratio (floor / raw)", f"{f['per_second'] / r['raw']['per_second']:.1%}"),
            ("  SQLite share of engine time", f"{r['transitions_per_second'] / f['per_second']:.0%}"),
        ]
    _table(["figure", "value"], rows)
    print()
    _table(["transition", "ms each"], [(k, f"{v:.3f}") for k, v in r["per_action_ms"].items()])
    if r["profile"]:
        print("\nprofile (top 15 by cumulative time, per audited transition):")
        _table(["calls", "cum us", "own us", "function"],
               [(f"{x['calls_per_transition']:.2f}", f"{x['cumulative_us']:.0f}", f"{x['own_us']:.0f}", x["function"])
                for x in r["profile"]])


def _table(head: list[str], rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = "  ".join("{:<%d}" % w for w in widths)
    print(line.format(*head).rstrip())
    print(line.format(*("-" * w for w in widths)).rstrip())
    for row in rows:
        print(line.format(*row).rstrip())


if __name__ == "__main__":
    sys.exit(main())
