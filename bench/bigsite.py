"""Big-site benchmark (issue 17): does every view a person opens cost what it shows, not what the site holds?

    .venv/bin/python -m bench.bigsite [--tasks 10000 100000 1000000] [--db sqlite|postgres|both] [--repeat 7]
                                      [--budget 120] [--skip WORD...] [--keep]

For each database and size it builds a store (bench.bigsite_build: the demo office played by the engine, copied in
the engine's schema, derived tables rebuilt; read its docstring) and serves it with `duban serve` (one worker,
scheduler off, access log off), then measures, against that server in the same run, each row of the issue's
table beside a baseline (a primary-key lookup over HTTP: `GET /api/v1/instances/{id}` of one small item). Each
figure is the p50 and p99 of up to `--repeat` calls after one unmeasured warm-up call (exports: half as many, at
least 3); a figure stops repeating once its calls have taken `--budget` seconds (so a million-task run ends), and
says how many calls it made: with few calls the p99 is the slowest. A warm-up call longer than 5 s counts as a
call. Exports also give the server's peak memory growth during the call (VmHWM after a reset through
/proc/PID/clear_refs, minus the resident size before) and their row count.

Every figure is printed as soon as it is measured, with its ratio to the same run's baseline; a call that fails
(an HTTP error, a timeout, the server gone) is reported with the end of the server's log and the run goes on
with the next figure or size, so a long run never ends without saying why. At the end it prints how each p50
grew from the smallest size to each bigger one, beside how the baseline grew. Figures go to
bench/results/bigsite-DB.json after each size.
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
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.bigsite_build import PASSWORD, build
from bench.http_lifecycle import Failure, free_port, wait_up

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "bigsite-{db}.json"  # one file per --db: runs on both may go at once
PG_ADMIN = os.environ.get("DUBAN_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
WARM_UP_COUNTS = 5.0  # seconds: a warm-up call longer than this is kept as a measured call
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


# ------------------------------------------------------------------ measuring
def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def peak_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{k}:\s+(\d+)", text).group(1)) for k in ("VmRSS", "VmHWM"))  # type: ignore


def cpu_s(pid: int) -> float:
    """The CPU seconds (user + system) a process has used: what a call cost the server, whatever else the shared
    machine was doing (the wall-clock figures stretch when other work runs; this does much less)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def measure(base: str, proc: subprocess.Popen, pk: int, repeat: int, budget: float, log: Path,
            skip: tuple[str, ...] = ()) -> dict:
    """Every row of ROWS against the server at `base` (process `proc`), printed as it comes."""
    tokens, pages, out = {}, {}, {}
    for who in {r[1] for r in ROWS}:
        r = httpx.post(f"{base}/api/v1/auth/token", data={"username": who, "password": PASSWORD}, timeout=60)
        r.raise_for_status()
        tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        pages[who] = httpx.Client(base_url=base, timeout=900)
        if sign_in_page(pages[who], base, who).status_code != 200:
            raise Failure(f"{who} could not sign in on the page")
    with httpx.Client(base_url=base, timeout=900) as http:
        def call(who: str, path: str, kind: str) -> httpx.Response:
            if kind == "signin":
                with httpx.Client(base_url=base, timeout=900) as fresh:
                    return sign_in_page(fresh, base, who)
            if kind == "page":
                return pages[who].get(path)
            return http.get(path.format(pk=pk), headers=tokens[who])

        for name, who, path, kind in ROWS:
            if any(word.lower() in name.lower() for word in skip):
                continue
            try:
                out[name] = figure(call, proc.pid, who, path, kind, repeat, budget)
            except (httpx.HTTPError, Failure) as e:
                out[name] = {"error": f"{type(e).__name__}: {e}"}
            print(line(name, out[name], out.get(ROWS[0][0])), flush=True)
            if "error" in out[name]:
                print("    server log, last lines:\n      " + "\n      ".join(tail(log)), flush=True)
                if proc.poll() is not None:
                    print(f"    the server exited ({proc.returncode}); the rest of this size is not measured",
                          flush=True)
                    break
    for c in pages.values():
        c.close()
    return out


def figure(call, pid: int, who: str, path: str, kind: str, repeat: int, budget: float) -> dict:
    """p50/p99 of up to `repeat` calls (after a warm-up), within `budget` seconds of calls."""
    times, sizes, mem, cpu, rows = [], [], [], [], None
    n = max(3, repeat // 2) if kind == "export" else repeat
    spent, warm = 0.0, True
    while len(times) < n and (not times or spent < budget):
        if kind == "export":
            before = peak_kb(pid)[0]
            reset_peak(pid)
        c1, t1 = cpu_s(pid), time.perf_counter()
        r = call(who, path, kind)
        took, used = time.perf_counter() - t1, cpu_s(pid) - c1
        if r.status_code != 200:
            raise Failure(f"{r.status_code} {r.text[:200]}")
        if warm and took <= WARM_UP_COUNTS:  # the first call warms caches up and is not counted, unless it is slow
            warm = False
            continue
        warm = False
        times.append(took)
        cpu.append(used)
        spent += took
        sizes.append(len(r.content))
        if kind == "export":
            mem.append(peak_kb(pid)[1] - before)
            rows = (r.content.count(b"\n") - 1) if path.endswith(".csv") else export_rows(r.content)
    got = {"p50_ms": round(statistics.median(times) * 1000, 1), "p99_ms": round(percentile(times, 99) * 1000, 1),
           "calls": len(times), "bytes": sizes[-1]}
    if cpu:
        got["server_cpu_ms"] = round(statistics.median(cpu) * 1000, 1)
    if rows is not None:
        got["rows"] = rows
        got["us_per_row"] = round(statistics.median(times) * 1e6 / max(1, rows), 1)
        if cpu:
            got["cpu_us_per_row"] = round(statistics.median(cpu) * 1e6 / max(1, rows), 1)
    if mem:
        got["server_peak_growth_mb"] = round(max(mem) / 1024, 1)
    return got


def export_rows(data: bytes) -> int | None:
    """The data rows of an XLSX ledger (its autoFilter's last row - 1), read without loading the sheet."""
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = next((n for n in z.namelist() if n.startswith("xl/worksheets/sheet")), None)
        if sheet is None:
            return None
        with z.open(sheet) as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 4096))
            m = re.search(rb'<autoFilter ref="[A-Z]+1:[A-Z]+(\d+)"', f.read())
    return int(m.group(1)) - 1 if m else None


def line(name: str, f: dict, baseline: dict | None) -> str:
    if "error" in f:
        return f"  {name:<40} FAILED: {f['error']}"
    mem = f" peak +{f['server_peak_growth_mb']} MB" if "server_peak_growth_mb" in f else ""
    rows = (f" {f['rows']:,} rows ({f['us_per_row']} us/row, server CPU {f.get('cpu_us_per_row', '-')} us/row)"
            if f.get("rows") is not None else "")
    cpu = f"  server CPU {f['server_cpu_ms']:.0f} ms" if "server_cpu_ms" in f else ""
    ratio = f" x{f['p50_ms'] / baseline['p50_ms']:.0f} baseline" if baseline and baseline.get("p50_ms") else ""
    return (f"  {name:<40} p50 {f['p50_ms']:>9.1f} ms  p99 {f['p99_ms']:>9.1f} ms  ({f['calls']} calls)"
            f"{ratio}{cpu}  {f['bytes'] / 1024:>9.1f} KB{mem}{rows}")


def tail(log: Path, n: int = 8, width: int = 400) -> list[str]:
    """The last `n` lines of the server's log, each cut at `width` characters (an SQL error may quote a huge query)."""
    try:
        return [x if len(x) <= width else x[:width] + " …" for x in log.read_text(errors="replace").splitlines()[-n:]]
    except OSError:
        return ["(no log)"]


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
    try:
        wait_up(f"{base}/api/v1", proc, seconds=300)
    except BaseException:
        stop(proc)
        raise
    return proc, base


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.bigsite", description=__doc__.split("\n")[0])
    p.add_argument("--tasks", type=int, nargs="+", default=[10_000, 100_000], help="store sizes in tasks")
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    p.add_argument("--repeat", type=int, default=7, help="calls per figure (exports: half, at least 3)")
    p.add_argument("--budget", type=float, default=120, help="seconds of calls after which a figure stops repeating")
    p.add_argument("--keep", action="store_true", help="keep the SQLite files and server logs")
    p.add_argument("--skip", nargs="*", default=[], metavar="WORD",
                   help="leave out the rows whose name contains one of these words (e.g. XLSX on a busy machine)")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="duban-bigsite-"))
    print(f"bigsite: logs and SQLite files in {tmp}" + ("" if args.keep else " (removed at the end)"), flush=True)
    results = {"repeat": args.repeat, "budget_s": args.budget, "runs": {}}
    failed = False
    try:
        for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
            runs = results["runs"].setdefault(kind, [])
            for tasks in sorted(args.tasks):
                run = one_size(kind, tasks, tmp, args)
                failed |= "error" in run or any("error" in f for f in run.get("figures", {}).values())
                runs.append(run)
                save(results, args.db)
            growth(kind, [r for r in runs if r.get("figures")])
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


def one_size(kind: str, tasks: int, tmp: Path, args: argparse.Namespace) -> dict:
    """Build, serve and measure one store; a failure is reported and returned, never raised."""
    print(f"\n== {kind}: building a store of {tasks:,} tasks", flush=True)
    url, drop = database(kind, tmp, tasks)
    log = tmp / f"serve-{kind}-{tasks}.log"
    try:
        built = build(url, tasks, say=lambda text: print(text, flush=True))
        print(f"== {kind}: {built['tasks']:,} tasks in {built['items']:,} items, {built['events']:,} events, built "
              f"in {built['build_s']} s {built['phases']}", flush=True)
        proc, base = serve(url, log)
        try:
            figures = measure(base, proc, built["pk"], args.repeat, args.budget, log, tuple(args.skip))
        finally:
            stop(proc)
        return {"tasks": built["tasks"], "built": built, "figures": figures}
    except Exception as e:  # the run goes on with the next size; say what stopped this one
        print(f"bigsite: {kind} at {tasks:,} tasks stopped: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        print("    server log, last lines:\n      " + "\n      ".join(tail(log)), file=sys.stderr, flush=True)
        return {"tasks": tasks, "error": f"{type(e).__name__}: {e}"}
    finally:
        drop()


def growth(kind: str, runs: list[dict]) -> None:
    if len(runs) < 2:
        return
    first = runs[0]
    print(f"\n{kind}: growth of p50 from {first['tasks']:,} tasks (baseline: the primary-key lookup):", flush=True)
    for later in runs[1:]:
        print(f"  at {later['tasks']:,} tasks ({later['tasks'] / first['tasks']:.0f}x the store):")
        for name, f in first["figures"].items():
            g = later["figures"].get(name, {})
            a, b = f.get("p50_ms"), g.get("p50_ms")
            ca, cb = f.get("server_cpu_ms"), g.get("server_cpu_ms")
            cpu = f"   server CPU x{cb / ca:.1f}" if ca and cb else ""
            print(f"    {name:<40} x{b / a:.1f}{cpu}" if a and b else f"    {name:<40} -", flush=True)


def save(results: dict, db: str) -> None:
    path = Path(str(RESULTS).format(db=db))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, default=str, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
