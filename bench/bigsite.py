"""Big-site benchmark (issue 17): does every view a person opens cost what it shows, not what the site holds?

    .venv/bin/python -m bench.bigsite [--tasks 10000 100000] [--db sqlite|postgres] [--repeat 7] [--keep]

For each size it builds a store and serves it with `duban serve` (one worker, scheduler off, access log off), then
measures, against that server in the same run, each row of the issue's table beside a baseline (a primary-key
lookup over HTTP: `GET /api/v1/instances/{id}` of one small item). Each figure is the p50 and p99 of `--repeat`
calls (with 7 calls the p99 is the slowest); exports also give the server's peak memory growth during the call
(VmHWM after a reset through /proc/PID/clear_refs, minus the resident size before). At the end it prints how
each figure grew from the smallest size to each bigger one, beside how the baseline grew.

How the store is built (said, as the issue asks): the engine itself plays the demo office (`seed_demo`: items closed,
overdue with red and yellow cards, chased, waiting for an extension, just issued; through the engine's own
paths, with its audit chain). Those items are the template: their `instance`, `task`, `entry` and `event` rows
are copied with executemany straight into the engine's schema, each copy with its own ids and serial number and
its dates moved back by 0-729 days (so the board's periods hold different items), until the store holds
`--tasks` tasks. The copied events are re-chained (engine.core.auditchain.chain) and `audit_head` moved, so
`duban audit verify` passes on the built store. Not copied: timers (the scheduler is off), notifications, the
search index (search is not measured here). Every copy keeps the demo's units and people, so a unit head's open
tasks grow with the store: what a paged list must not.

Figures go to bench/results/bigsite.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.http_lifecycle import Failure, free_port, wait_up

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bigsite.json"
PASSWORD = "bench-only-password"
PG_ADMIN = os.environ.get("DUBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BATCH = 5000
ROWS = (  # (name, who, path, kind): kind api (bearer), page (session cookie), signin, export
    ("baseline: GET one item by id", "office", "/api/v1/instances/{pk}", "api"),
    ("open the board (summary, all periods)", "office", "/api/v1/supervision/summary", "api"),
    ("/board page", "office", "/board", "page"),
    ("a unit head's GET /me/tasks", "finance.head", "/api/v1/me/tasks", "api"),
    ("/tasks page for a unit head", "finance.head", "/tasks", "page"),
    ("sign-in form -> first page", "finance.head", "/login", "signin"),
    ("ledger XLSX", "office", "/api/v1/supervision/ledger.xlsx", "export"),
    ("ledger CSV", "office", "/api/v1/supervision/ledger.csv", "export"),
    ("the board for one month", "office", "/api/v1/supervision/summary?period=month", "api"),
)


# ------------------------------------------------------------------ building the store
def build(url: str, tasks: int) -> dict:
    """A store of about `tasks` tasks at `url` (see the module's doc); returns what was built and how long it took."""
    from api.auth import hash_password
    from engine.cli.demo import seed_demo
    from engine.clock import SystemClock
    from engine.core import auditchain
    from engine.runtime.boot import demo_org_path, load_org_file, open_site
    from engine.store.tables import AuditHead, Entry, Event, Instance, SerialCounter, Task

    t0 = time.perf_counter()
    site = open_site(url, SystemClock())
    load_org_file(site, demo_org_path(), password_hash=hash_password(PASSWORD))
    seed_demo(site)
    ti, tt, te, tv = Instance.__table__, Task.__table__, Entry.__table__, Event.__table__
    with site.eng.begin() as conn:
        items = [dict(r._mapping) for r in conn.execute(sa.select(ti).order_by(ti.c.id))]
        ts = [dict(r._mapping) for r in conn.execute(sa.select(tt).order_by(tt.c.id))]
        es = [dict(r._mapping) for r in conn.execute(sa.select(te).order_by(te.c.id))]
        evs = [dict(r._mapping) for r in conn.execute(sa.select(tv).where(tv.c.instance_id.isnot(None))
                                                      .order_by(tv.c.seq))]
        head = conn.execute(sa.select(AuditHead.__table__)).first()
    copies = max(0, -(-(tasks - len(ts)) // len(ts)))
    step = {k: max(r["id"] for r in rows) for k, rows in (("i", items), ("t", ts), ("e", es))}
    serial_step = max(r["serial_no"] for r in items)
    seq, prev = head.seq, head.hash
    built = {"template_items": len(items), "template_tasks": len(ts), "copies": copies}
    with site.eng.begin() as conn:
        for lo in range(1, copies + 1, BATCH // max(1, len(ts))):
            hi = min(copies + 1, lo + BATCH // max(1, len(ts)))
            bi, bt, be, bv = [], [], [], []
            for k in range(lo, hi):
                shift = timedelta(days=k % 730)
                io, to, eo = k * step["i"], k * step["t"], k * step["e"]
                for r in items:
                    no = r["serial_no"] + k * serial_step
                    bi.append(moved(r, shift) | {"id": r["id"] + io, "serial_no": no,
                                                 "serial": re.sub(r"\d+(号?)$", rf"{no}\1", r["serial"])})
                bt += [moved(r, shift) | {"id": r["id"] + to, "instance_id": r["instance_id"] + io,
                                          "from_task": r["from_task"] and r["from_task"] + to} for r in ts]
                be += [moved(r, shift) | {"id": r["id"] + eo, "instance_id": r["instance_id"] + io,
                                          "task_id": r["task_id"] and r["task_id"] + to} for r in es]
                bv += [{c: (r[c] - shift if c == "at" else r[c]) for c in auditchain_columns()} |
                       {"instance_id": r["instance_id"] + io, "task_id": r["task_id"] and r["task_id"] + to}
                       for r in evs]
            conn.execute(ti.insert(), bi)
            conn.execute(tt.insert(), bt)
            if be:
                conn.execute(te.insert(), be)
            chained = auditchain.chain(seq, prev, bv)
            conn.execute(tv.insert(), chained)
            seq, prev = chained[-1]["seq"], chained[-1]["hash"]
        conn.execute(AuditHead.__table__.update().values(seq=seq, hash=prev))
        sc = SerialCounter.__table__
        conn.execute(sc.update().values(last=sa.select(sa.func.max(ti.c.serial_no)).scalar_subquery()))
        if conn.dialect.name == "postgresql":
            for table in ("instance", "task", "entry"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
    with site.eng.connect() as conn:
        built["items"] = conn.execute(sa.select(sa.func.count()).select_from(ti)).scalar_one()
        built["tasks"] = conn.execute(sa.select(sa.func.count()).select_from(tt)).scalar_one()
        built["events"] = conn.execute(sa.select(sa.func.count()).select_from(tv)).scalar_one()
        built["pk"] = items[0]["id"] + copies * step["i"] // 2 if copies else items[0]["id"]
    if site.eng.dialect.name == "postgresql":
        with site.eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    site.eng.dispose()
    built["build_s"] = round(time.perf_counter() - t0, 1)
    return built


def auditchain_columns() -> tuple[str, ...]:
    from engine.store.audit import COLUMNS
    return COLUMNS


def moved(row: dict, shift: timedelta) -> dict:
    """The row with every date moved back by `shift`."""
    return {k: (v - shift if hasattr(v, "tzinfo") and hasattr(v, "hour") else v) for k, v in row.items()}


# ------------------------------------------------------------------ measuring
def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def peak_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+)", text).group(1)) for k in ("VmRSS", "VmHWM"))  # type: ignore


def reset_peak(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def sign_in_page(http: httpx.Client, base: str, who: str) -> httpx.Response:
    """The sign-in form, then the form posted: answers the first page (redirects followed)."""
    form = http.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if csrf is None:
        raise Failure("no csrf field in the sign-in form")
    return http.post("/login", data={"username": who, "password": PASSWORD, "csrf": csrf.group(1), "next": "/tasks"},
                     headers={"Origin": base}, follow_redirects=True)


def measure(base: str, pid: int, pk: int, repeat: int, skip: tuple[str, ...] = ()) -> dict:
    tokens, pages, out = {}, {}, {}
    for who in {r[1] for r in ROWS}:
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": who, "password": PASSWORD}, timeout=60)
        r.raise_for_status()
        tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        pages[who] = httpx.Client(base_url=base, timeout=600)
        if sign_in_page(pages[who], base, who).status_code != 200:
            raise Failure(f"{who} could not sign in on the page")
    with httpx.Client(base_url=base, timeout=600) as http:
        for name, who, path, kind in ROWS:
            if any(word.lower() in name.lower() for word in skip):
                continue
            times, sizes, mem = [], [], []
            n = max(3, repeat // 2) if kind == "export" else repeat
            for _ in range(n):
                if kind == "export":
                    before = peak_kb(pid)[0]
                    reset_peak(pid)
                t0 = time.perf_counter()
                if kind == "signin":
                    with httpx.Client(base_url=base, timeout=600) as fresh:
                        r = sign_in_page(fresh, base, who)
                elif kind == "page":
                    r = pages[who].get(path)
                else:
                    r = http.get(path.format(pk=pk), headers=tokens[who])
                times.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise Failure(f"{name}: {r.status_code} {r.text[:200]}")
                sizes.append(len(r.content))
                if kind == "export":
                    mem.append(peak_kb(pid)[1] - before)
            out[name] = {"p50_ms": round(statistics.median(times) * 1000, 1),
                         "p99_ms": round(percentile(times, 99) * 1000, 1), "calls": n, "bytes": sizes[-1]}
            if "CSV" in name:
                out[name]["rows"] = r.content.count(b"\n") - 1
            if mem:
                out[name]["server_peak_growth_mb"] = round(max(mem) / 1024, 1)
    for c in pages.values():
        c.close()
    return out


# ------------------------------------------------------------------ databases and servers
def database(kind: str, tmp: Path, tasks: int) -> tuple[str, callable]:
    """A fresh database URL of this kind, and how to drop it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / f'bigsite-{tasks}.db'}", lambda: None
    name = f"duban_bigsite_{tasks}_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def serve(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DUBAN_ACCESS_LOG": "0", "DUBAN_WORKERS": "1", "DUBAN_LOG_LEVEL": "warning",
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--no-scheduler", "--port", str(port),
                             "--db", url], cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_up(f"{base}/api/v1", proc, seconds=300)
    return proc, base


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bigsite", description=__doc__.split("\n")[0])
    p.add_argument("--tasks", type=int, nargs="+", default=[10_000, 100_000], help="store sizes in tasks")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--repeat", type=int, default=7, help="calls per figure (exports: half, at least 3)")
    p.add_argument("--keep", action="store_true", help="keep the SQLite files and server logs")
    p.add_argument("--skip", nargs="*", default=[], metavar="WORD",
                   help="leave out the rows whose name contains one of these words (e.g. XLSX on a busy machine)")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="duban-bigsite-"))
    runs = []
    try:
        for tasks in sorted(args.tasks):
            url, drop = database(args.db, tmp, tasks)
            try:
                built = build(url, tasks)
                print(f"\n== {args.db}: {built['tasks']:,} tasks in {built['items']:,} items, {built['events']:,} "
                      f"events (built in {built['build_s']} s)", flush=True)
                proc, base = serve(url, tmp / f"serve-{tasks}.log")
                try:
                    figures = measure(base, proc.pid, built["pk"], args.repeat, tuple(args.skip))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
            finally:
                drop()
            for name, f in figures.items():
                mem = f" peak +{f['server_peak_growth_mb']} MB" if "server_peak_growth_mb" in f else ""
                print(f"  {name:<40} p50 {f['p50_ms']:>9.1f} ms  p99 {f['p99_ms']:>9.1f} ms  "
                      f"{f['bytes'] / 1024:>9.1f} KB{mem}", flush=True)
            runs.append({"tasks": built["tasks"], "built": built, "figures": figures})
    except Failure as e:
        print(f"bigsite: {e}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(runs) > 1:
        first = runs[0]
        print(f"\ngrowth of p50 from {first['tasks']:,} tasks (baseline: the primary-key lookup):")
        for later in runs[1:]:
            print(f"  at {later['tasks']:,} tasks ({later['tasks'] / first['tasks']:.0f}x the store):")
            for name in first["figures"]:
                if name not in later["figures"]:
                    continue
                a, b = first["figures"][name]["p50_ms"], later["figures"][name]["p50_ms"]
                print(f"    {name:<40} x{b / a:.1f}" if a else f"    {name:<40} -")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"db": args.db, "repeat": args.repeat, "runs": runs}, default=str,
                                  ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
