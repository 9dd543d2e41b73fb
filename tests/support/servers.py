"""Real parts for tests: a free port, an app served by uvicorn in a thread, a real `duban serve` process, waiting for
a background thread, and a webhook receiver that keeps what the outbox sends."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app) -> Iterator[str]:
    """Serve `app` until the block ends; yields http://127.0.0.1:PORT."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:  # waiting for a real server to bind, not for simulated time
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


class DubanServe:
    """A `duban serve` process (subprocess) on a free port: `url` is its /api/v1, `stop()` ends it (SIGTERM, as
    systemd or Ctrl-C would) and returns what it printed."""

    def __init__(self, db_url: str, *extra: str, seconds: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        env = {**os.environ, "DUBAN_ACCESS_LOG": "0", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--no-scheduler", "--port",
                                      str(self.port), "--db", db_url, *extra], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + seconds  # waiting for a real process to come up
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"duban serve ended: {self.proc.stdout.read()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("duban serve did not come up")
            time.sleep(0.2)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
        return self.proc.communicate(timeout=30)[0]


def wait_for(check, seconds: float = 15.0) -> bool:
    """Wait for a background thread's work (real time passes; the site clock does not move)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


class Inbox:
    """A webhook receiver on 127.0.0.1: every JSON POST is kept as (path, title, body); `fail` paths answer 500."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []
        self.fail: set[str] = set()
        lock, inbox = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                data = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                status = 500 if self.path in inbox.fail else 200
                if status == 200:
                    with lock:
                        inbox.received.append((self.path, data.get("title", ""), data.get("message", "")))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
