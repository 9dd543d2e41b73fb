"""Sign-in burst benchmark: does a burst of anonymous sign-ins stall the people already signed in?

    .venv/bin/python -m bench.signin [--burst 16] [--samples 300] [--no-unbounded] [--keep]

Starts `duban serve --demo` (SQLite file, a free loopback port, scheduler off, access log off; the demo's real
argon2 password hashes) and signs one person in. Then, against the same server in the same run:

1. baseline: that person's `GET /api/v1/me`, `--samples` times, one after another (20 ms apart);
2. burst: the same while `--burst` clients post `POST /api/v1/auth/token` as fast as they can, each time with a
   login nobody has (so every attempt costs a full argon2 check and no lock stops it); after a 503 they try again
   10 ms later (a flood), or with `--polite` after the Retry-After the server named.

For each phase it prints `/me` p50, p99 and max, and for the burst how the sign-ins were answered (401 checked,
503 busy: no password-check slot, 429) and how many per second. The target is a burst p50 under 100 ms. Unless
`--no-unbounded`, the whole run is repeated on a second server with the password-check bound lifted
(DUBAN_HASH_SLOTS=64, DUBAN_HASH_WAIT_MS=10000), to show what the bound buys. Figures go to
bench/results/signin.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.http_lifecycle import Failure, free_port, wait_up

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "signin.json"
PASSWORD = "bench-only-password"
PACE = 0.02  # seconds between two /me requests of the signed-in person


def start_server(db_path: Path, port: int, extra_env: dict[str, str]) -> subprocess.Popen:
    env = {**os.environ, "DUBAN_DEMO_PASSWORD": PASSWORD, "DUBAN_ACCESS_LOG": "0", "DUBAN_LOG_LEVEL": "warning",
           "PYTHONUNBUFFERED": "1", **extra_env}
    cmd = [sys.executable, "-m", "engine.cli", "serve", "--demo", "--no-scheduler", "--port", str(port),
           "--db", f"sqlite:///{db_path}"]
    log = open(db_path.with_suffix(".log"), "w")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def figures(latencies: list[float]) -> dict:
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"requests": len(lat), "p50_ms": round(q[49] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "max_ms": round(lat[-1] * 1000, 1)}


async def me_requests(http: httpx.AsyncClient, headers: dict, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        r = await http.get("/me", headers=headers)
        out.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise Failure(f"GET /me answered {r.status_code}: {r.text[:200]}")
        await asyncio.sleep(PACE)
    return out


async def measure(base: str, burst: int, samples: int, polite: bool) -> dict:
    limits = httpx.Limits(max_connections=burst + 2, max_keepalive_connections=burst + 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as http:
        r = await http.post("/auth/token", data={"username": "clerk", "password": PASSWORD})
        if r.status_code != 200:
            raise Failure(f"the clerk could not sign in: {r.status_code} {r.text[:200]}")
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        await me_requests(http, headers, 20)  # warm-up, not counted
        baseline = figures(await me_requests(http, headers, samples))
        answers: dict[int, int] = {}
        stop = asyncio.Event()

        async def anonymous() -> None:
            while not stop.is_set():
                r = await http.post("/auth/token", data={"username": f"nobody-{uuid.uuid4().hex[:12]}",
                                                         "password": "wrong-guess"})
                answers[r.status_code] = answers.get(r.status_code, 0) + 1
                if r.status_code == 503:  # a polite client waits Retry-After; a flood tries again at once
                    await asyncio.sleep(float(r.headers.get("retry-after", 1)) if polite else 0.01)

        flood = [asyncio.create_task(anonymous()) for _ in range(burst)]
        await asyncio.sleep(0.5)  # let the burst build up
        t0 = time.perf_counter()
        during = figures(await me_requests(http, headers, samples))
        seconds = time.perf_counter() - t0
        stop.set()
        await asyncio.gather(*flood)
    checked = answers.get(401, 0)
    kind = "polite (wait Retry-After)" if polite else "flood (retry after 10 ms)"
    return {"baseline": baseline, "burst": {"clients": kind, **during,
                                            "sign_in_answers": {str(k): v for k, v in sorted(answers.items())},
                                            "checked_sign_ins_per_s": round(checked / seconds, 1)}}


def run_server(extra_env: dict[str, str], burst: int, samples: int, keep: bool, polite: bool) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="duban-signin-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    proc = start_server(tmp / "bench.db", port, extra_env)
    try:
        wait_up(base, proc)
        return asyncio.run(measure(base, burst, samples, polite))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


def show(name: str, result: dict) -> None:
    b, d = result["baseline"], result["burst"]
    print(f"[{name}] GET /me without burst: p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms, max {b['max_ms']} ms "
          f"({b['requests']} requests)")
    print(f"[{name}] GET /me during burst of {d['clients']} clients: p50 {d['p50_ms']} ms, "
          f"p99 {d['p99_ms']} ms, max {d['max_ms']} ms; "
          f"sign-ins answered {d['sign_in_answers']}, {d['checked_sign_ins_per_s']} password checks/s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.signin", description=__doc__.split("\n")[0])
    p.add_argument("--burst", type=int, default=16, help="parallel anonymous sign-in clients (default 16)")
    p.add_argument("--samples", type=int, default=300, help="GET /me requests per phase (default 300)")
    p.add_argument("--no-unbounded", action="store_true", help="skip the comparison run without the bound")
    p.add_argument("--polite", action="store_true", help="burst clients wait Retry-After after a 503 (default: "
                                                           "they retry after 10 ms, a flood)")
    p.add_argument("--keep", action="store_true", help="keep the databases and the server logs")
    args = p.parse_args(argv)
    print(f"duban serve --demo (SQLite, 1 worker, DUBAN_THREADS={os.environ.get('DUBAN_THREADS', '8')}), "
          f"{args.burst} anonymous sign-in clients, {os.cpu_count()} CPUs")
    out = {"settings": {"burst": args.burst, "samples": args.samples, "cpus": os.cpu_count(),
                        "python": platform.python_version(), "machine": platform.machine(),
                        "hash_slots": os.environ.get("DUBAN_HASH_SLOTS", "auto"),
                        "hash_wait_ms": os.environ.get("DUBAN_HASH_WAIT_MS", "100")}}
    try:
        out["bounded"] = run_server({}, args.burst, args.samples, args.keep, args.polite)
        show("bounded", out["bounded"])
        if not args.no_unbounded:
            out["unbounded"] = run_server({"DUBAN_HASH_SLOTS": "64", "DUBAN_HASH_WAIT_MS": "10000"}, args.burst,
                                          args.samples, args.keep, args.polite)
            show("unbounded", out["unbounded"])
    except Failure as e:
        print(f"failed: {e}")
        return 1
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    target = out["bounded"]["burst"]["p50_ms"] < 100
    print(f"target p50 < 100 ms during the burst: {'met' if target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
