"""Prefect for the workflow tests: one temporary Prefect server for the whole session (it costs seconds), started
only when a test asks for it; telemetry off; the flows' connection pools closed after each test."""
from __future__ import annotations

import os

import pytest

from tests.support.databases import fresh_database
from tests.support.servers import Inbox

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
        made.append(fresh_database(_template_db, tmp_path, f"twin{len(made)}.db"))
        return made[-1]

    return fresh
