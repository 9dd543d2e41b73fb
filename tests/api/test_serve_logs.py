"""What `duban serve` writes to its log: with DUBAN_LOG_FORMAT=json every line on stderr is one JSON object; each
request is one line (method, path, status, milliseconds, the login once signed in), the token that signed it in
is written nowhere, and the scheduler's ticks (every 0.2 s here) write nothing unless a sweep fired something."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import httpx

from engine.runtime import logs
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_duban_serve_logs_one_json_line_per_request_and_no_scheduler_ticks(tmp_path):
    port = free_port()
    env = {**os.environ, "DUBAN_DEMO_PASSWORD": "drill-pass-2", "DUBAN_LOG_FORMAT": "json", "DUBAN_LOG_LEVEL": "info",
           "DUBAN_ACCESS_LOG": "1", "DUBAN_SWEEP_SECONDS": "0.2", "DUBAN_DISPATCH_SECONDS": "0.2",
           "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--demo", "--port", str(port),
         "--db", f"sqlite:///{tmp_path / 'logs.db'}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:  # waiting for a real process to start, not for simulated time
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "duban serve did not come up"
            time.sleep(0.2)
        token = httpx.post(f"{base}/api/v1/auth/token",
                           data={"username": "clerk", "password": "drill-pass-2"}).json()["access_token"]
        assert httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert httpx.get(f"{base}/tasks?secret=abc").status_code == 303  # not signed in: to the sign-in page
        time.sleep(1.5)  # several scheduler ticks (real time in a real process)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=20)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line is one JSON object
    requests = [x for x in lines if x["logger"] == "duban.http"]
    me = [x for x in requests if x["path"] == "/api/v1/me"]
    assert len(me) == 1 and me[0]["method"] == "GET" and me[0]["status"] == 200 and me[0]["login"] == "clerk"
    assert isinstance(me[0]["ms"], (int, float)) and me[0]["level"] == "info" and me[0]["time"]
    page = [x for x in requests if x["path"] == "/tasks"]
    assert len(page) == 1 and page[0]["status"] == 303 and "login" not in page[0]
    assert token not in err and token not in out and "secret=abc" not in err
    assert not [x for x in lines if x["logger"].startswith("apscheduler")]  # no "Running job ..." every tick
    sweeps = [x for x in lines if x["logger"] == "duban.scheduler"]
    assert all(x["fired"] + x["failed"] > 0 for x in sweeps)  # a sweep line only when it fired something
    assert len(lines) < 40, lines  # quiet: start-up, the requests, a sweep or two; no tick lines


def test_the_text_format_is_one_readable_line():
    out, root = StringIO(), logging.getLogger()
    level = root.level
    handler = logs.setup("info", "text", stream=out)
    try:
        logging.getLogger("duban.http").info("GET /tasks 200 3.1ms clerk",
                                             extra={"method": "GET", "path": "/tasks", "status": 200})
        logging.getLogger("apscheduler.executors.default").info("Running job sweep")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert out.getvalue().count("\n") == 1 and "INFO duban.http: GET /tasks 200 3.1ms clerk" in out.getvalue()
