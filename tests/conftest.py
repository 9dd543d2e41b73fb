"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL via DUBAN_TEST_DATABASE_URL), a manual clock
in Asia/Shanghai, the demo organisation and the office driver. The helpers themselves live in tests/support/."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from tests.support.clock import SHANGHAI, at, manual_clock  # noqa: E402,F401  (SHANGHAI, at: re-exported)
from tests.support.databases import PG_URL, demo_site, fresh_database, migrated_template  # noqa: E402,F401
from tests.support.office import Office  # noqa: E402


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    return migrated_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def database_url(_template_db, tmp_path):
    """A clean database for one test."""
    return fresh_database(_template_db, tmp_path)


@pytest.fixture
def clock():
    return manual_clock()  # a Monday morning


@pytest.fixture
def site(database_url, clock):
    s = demo_site(database_url, clock)
    yield s
    s.eng.dispose()


@pytest.fixture
def office(site, clock):
    return Office(site, clock)
