"""HTTP lifecycle benchmark: concurrent clients drive directives from issue to close through a real `duban serve`.

    .venv/bin/python -m bench.http_lifecycle [--clients 32] [--items 320] [--workers 1] [--no-scheduler]

Starts `duban serve --demo` as a subprocess on a fresh SQLite file and a free loopback port (access log off,
DUBAN_THREADS passes through), signs in the five people involved, then runs `--clients` asyncio httpx clients
at once (one keep-alive connection each). Each client takes
directives one after another through eleven audited writes over HTTP: the leader issues it, the clerk
registers it, the office director assigns it to Finance, the Finance head signs for it and transfers it to
finance.staff1, who signs, reports progress and asks for an extension, the office director approves, the
staff member completes, the clerk verifies. Each client finds its next task in the previous response (as a
web client would), so every request timed is a state-changing one. Prints writes/s and p50/p95/p99 latency
and stores them in bench/results/http_lifecycle.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "http_lifecycle.json"
PASSWORD = "bench-only-password"
PEOPLE = ("leader", "clerk", "office", "finance.head", "finance.staff1")
WRITES_PER_ITEM = 11
DUE, LATER = "2026-12-18", "2026-12-30"


class Failure(Exception):
    pass


def cpu_seconds(server_pid: int | None, database: str | None = None) -> dict[str, float]:
    """CPU seconds used so far (Linux /proc) by the server's processes (the parent and its uvicorn workers), by
    the PostgreSQL backends serving `database` (their process title names it; other databases on the machine are
    not counted, nor are PostgreSQL's shared writer processes) and by this benchmark's own process (the clients)."""
    out = {"server": 0.0, "postgres": 0.0, "clients": 0.0}
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return out
    parents: dict[int, int] = {}
    stats: dict[int, tuple[str, float]] = {}
    for p in pids:
        try:
            text = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        comm, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        parents[int(p)] = int(rest[1])
        stats[int(p)] = (comm, (int(rest[11]) + int(rest[12])) / hz)
    for pid, (comm, secs) in stats.items():
        if pid == os.getpid():
            out["clients"] += secs
        elif comm.startswith("postgres") and database and database in _cmdline(pid):
            out["postgres"] += secs
        elif server_pid is not None and (pid == server_pid or parents.get(pid) == server_pid
                                         or parents.get(parents.get(pid, 0)) == server_pid):
            out["server"] += secs
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, port: int, workers: int, scheduler: bool, url: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "DUBAN_DEMO_PASSWORD": PASSWORD, "DUBAN_ACCESS_LOG": "0", "DUBAN_WORKERS": str(workers),
           "DUBAN_LOG_LEVEL": "warning", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "engine.cli", "serve", "--demo", "--port", str(port), "--db", url or f"sqlite:///{db_path}"]
    if not scheduler:
        cmd.append("--no-scheduler")
    log = open(db_path.with_suffix(".log"), "w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_up(base: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure(f"duban serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise Failure("duban serve did not answer /health")


class Client:
    """One office client: walks directives through their life, timing each write."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, dict], latencies: list[float], lean: bool = False):
        self.http, self.tokens, self.latencies = http, tokens, latencies
        self.q = "?return=minimal" if lean else ""  # lean answers: the item's open tasks, not the whole item

    async def write(self, who: str, path: str, body: dict) -> dict:
        t0 = time.perf_counter()
        try:
            r = await self.http.post(path + self.q, json=body, headers=self.tokens[who])
        except httpx.HTTPError as e:
            raise Failure(f"{who} POST {path}: {type(e).__name__} {e!r} after {time.perf_counter() - t0:.3f} s")
        self.latencies.append(time.perf_counter() - t0)
        if r.status_code not in (200, 201):
            raise Failure(f"{who} POST {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    async def act(self, who: str, task: dict, action: str, **fields) -> dict:
        return await self.write(who, f"/tasks/{task['id']}/actions/{action}", {"version": task["version"], **fields})

    @staticmethod
    def open_task(item: dict, step: str, kind: str = "work", holder: dict | None = None) -> dict:
        for t in reversed(item["tasks"]):
            if t["step"] == step and t["kind"] == kind and t["state"] in ("pending", "active") \
                    and (holder is None or t["holder"] == holder):
                return t
        raise Failure(f"no open {step}/{kind} task")

    async def directive(self, n: int) -> None:
        item = await self.write("leader", "/instances", {"definition": "directive", "subject": {
            "title": f"压测事项 {n}", "instruction": "请财务部牵头办理。", "leader": "leader", "lead_unit": "finance",
            "co_units": [], "due": DUE}})
        item = (await self.act("clerk", self.open_task(item, "register"), "submit"))["item"]
        item = (await self.act("office", self.open_task(item, "assign"), "assign", lead="finance", co=[], due=DUE))["item"]
        item = (await self.act("finance.head", self.open_task(item, "handle"), "accept"))["item"]
        item = (await self.act("finance.head", self.open_task(item, "handle"), "transfer", to="finance.staff1",
                               reason="请具体承办"))["item"]
        staff = {"person": "finance.staff1"}
        item = (await self.act("finance.staff1", self.open_task(item, "handle", holder=staff), "accept"))["item"]
        item = (await self.act("finance.staff1", self.open_task(item, "handle", holder=staff), "progress",
                               text="已完成自查", percent=50))["item"]
        item = (await self.act("finance.staff1", self.open_task(item, "handle", holder=staff), "request_extension",
                               new_due=LATER, reason="需等待审计结果"))["item"]
        item = (await self.act("office", self.open_task(item, "handle", kind="extension"), "approve",
                               comment="同意"))["item"]
        item = (await self.act("finance.staff1", self.open_task(item, "handle", holder=staff), "complete",
                               report="办理完毕"))["item"]
        item = (await self.act("clerk", self.open_task(item, "verify"), "approve", comment="同意销号"))["item"]
        if item["state"] != "completed":
            raise Failure(f"item {item['id']} ended {item['state']}")


def idle_ticks() -> tuple[int, int]:
    """(idle, total) CPU ticks of the whole machine so far (Linux /proc/stat; zeros elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return fields[3] + (fields[4] if len(fields) > 4 else 0), sum(fields)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


async def run_clients(base: str, clients: int, items: int, lean: bool = False, server_pid: int | None = None,
                      database: str | None = None) -> dict:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        tokens = {}
        for who in PEOPLE:
            r = await http.post("/auth/token", data={"username": who, "password": PASSWORD})
            r.raise_for_status()
            tokens[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        warm: list[float] = []
        await Client(http, tokens, warm, lean).directive(-1)  # first requests load caches; not timed
        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(items):
            queue.put_nowait(n)
        errors: list[str] = []

        async def worker() -> None:
            c = Client(http, tokens, latencies, lean)
            while not queue.empty():
                n = queue.get_nowait()
                try:
                    await c.directive(n)
                except (Failure, httpx.HTTPError) as e:
                    errors.append(f"{type(e).__name__}: {e}")

        cpu0, idle0 = cpu_seconds(server_pid, database), idle_ticks()
        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - t0
        cpu1, idle1 = cpu_seconds(server_pid, database), idle_ticks()
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [lat[0]] * 99
    return {"writes": len(lat), "seconds": round(wall, 3), "writes_per_s": round(len(lat) / wall, 1),
            "items_per_s": round((items - len(errors)) / wall, 2), "p50_ms": round(q[49] * 1000, 2),
            "p95_ms": round(q[94] * 1000, 2), "p99_ms": round(q[98] * 1000, 2), "max_ms": round(lat[-1] * 1000, 2),
            "errors": len(errors), "first_errors": errors[:3],
            "cpu_ms_per_write": {k: round(1000 * (cpu1[k] - cpu0[k]) / max(len(lat), 1), 2) for k in cpu0},
            "cpu_busy_of_machine": round(sum(cpu1[k] - cpu0[k] for k in cpu0) / (wall * (os.cpu_count() or 1)), 2),
            "machine_idle": round((idle1[0] - idle0[0]) / max(idle1[1] - idle0[1], 1), 2)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.http_lifecycle", description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients (default 32)")
    p.add_argument("--items", type=int, default=320, help="directives to take from issue to close (default 320)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of duban serve (DUBAN_WORKERS)")
    p.add_argument("--no-scheduler", action="store_true", help="serve with --no-scheduler")
    p.add_argument("--keep", action="store_true", help="keep the database and the server log")
    p.add_argument("--minimal", action="store_true", help="ask for lean answers (?return=minimal) on every write")
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                   help="postgres: a scratch database on DUBAN_BENCH_PG_URL (default the local server), dropped after")
    p.add_argument("--url", help="benchmark a server already running with --demo and DUBAN_DEMO_PASSWORD="
                                 f"{PASSWORD} (e.g. http://127.0.0.1:8000/api/v1) instead of starting one")
    args = p.parse_args(argv)
    if args.url:
        result = asyncio.run(run_clients(args.url.rstrip("/"), args.clients, args.items, args.minimal))
        return report(args, result, external=True)
    tmp = Path(tempfile.mkdtemp(prefix="duban-http-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    url, drop = (None, lambda: None)
    if args.db == "postgres":
        from bench.bigsite import database
        url, drop = database("postgres", tmp, os.getpid())
    t_start = time.perf_counter()
    proc = start_server(tmp / "bench.db", port, args.workers, not args.no_scheduler, url)
    try:
        wait_up(base, proc, seconds=300)  # the demo's history is played at start: slow on a busy machine
        started = round(time.perf_counter() - t_start, 1)
        result = asyncio.run(run_clients(base, args.clients, args.items, args.minimal, proc.pid,
                                         url.rsplit("/", 1)[1] if url else None))
        result["server_start_s"] = started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        drop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return report(args, result)


def report(args: argparse.Namespace, result: dict, external: bool = False) -> int:
    settings = {"clients": args.clients, "items": args.items, "server_workers": args.workers,
                "scheduler": not args.no_scheduler, "access_log": False, "answers": "minimal" if args.minimal else "full",
                "database": "PostgreSQL" if args.db == "postgres" else "SQLite (WAL) file",
                "cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()}
    if external:
        settings.update(server=args.url, server_workers=None, scheduler=None, database=None)
        print(f"server at {args.url}; {args.clients} concurrent clients, {os.cpu_count()} CPUs")
    else:
        print(f"duban serve --demo: {args.workers} worker process(es), scheduler "
              f"{'on' if settings['scheduler'] else 'off'}, {settings['database']}, {settings['answers']} answers; {args.clients} concurrent clients on loopback, "
              f"{os.cpu_count()} CPUs")
    print(f"{result['writes']} audited writes ({args.items} directives × {WRITES_PER_ITEM}) in {result['seconds']} s: "
          f"{result['writes_per_s']} writes/s, {result['items_per_s']} directives/s")
    print(f"latency per write: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, "
          f"max {result['max_ms']} ms; errors {result['errors']}")
    if "server_start_s" in result:
        print(f"server up (migrations, demo organisation and items, workers) in {result['server_start_s']} s")
    cpu = result.get("cpu_ms_per_write", {})
    if cpu:
        print(f"CPU per write: server {cpu['server']} ms, PostgreSQL {cpu['postgres']} ms, benchmark clients "
              f"{cpu['clients']} ms; the machine's CPUs were {100 * result['cpu_busy_of_machine']:.0f} % busy with these, "
              f"{100 * result['machine_idle']:.0f} % idle (the rest: other work on the machine)")
    for e in result["first_errors"]:
        print(f"  error: {e}")
    if not external:  # the stored figures are always those of a server this benchmark started itself
        settings["server_threads"] = os.environ.get("DUBAN_THREADS", "8")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"settings": settings, "result": result}, ensure_ascii=False, indent=2) + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
