"""Prefect for the workflow tests: one temporary Prefect server for the whole session (it costs seconds), started
only when a test asks for it; telemetry off; the flows' connection pools closed after each test."""
from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from engine.store import db
from tests.conftest import PG_URL

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect API on 127.0.0.1 with its own SQLite database, for the whole test session."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # no heartbeat thread: Prefect 3.8 joins it for up to a second at the end of every in-process flow run
    with prefect_test_harness(server_startup_timeout=60), \
            temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield PREFECT_API_URL.value()


@pytest.fixture(autouse=True)
def _close_flow_pools():
    yield
    from workflows.flows import forget_sites

    forget_sites()


class Inbox:
    """A webhook receiver on 127.0.0.1: every JSON POST is kept as (path, title, body); `fail` paths answer 500."""

    def __init__(self) -> None:
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


@pytest.fixture
def inbox():
    box = Inbox()
    yield box
    box.close()


@pytest.fixture
def twin_urls(_template_db, tmp_path):
    """fresh(): a clean, migrated database each call (SQLite: a new file; PostgreSQL: the test database emptied)."""
    made = []

    def fresh() -> str:
        if PG_URL:
            eng = db.make_engine(PG_URL)
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            with eng.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            eng.dispose()
            return PG_URL
        path = tmp_path / f"twin{len(made)}.db"
        shutil.copy(_template_db, path)
        made.append(path)
        return f"sqlite:///{path}"

    return fresh
