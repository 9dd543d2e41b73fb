"""API fixtures: the demo organisation with one (cheaply hashed) password, an in-process client, and a helper that
signs people in and drives items over HTTP (tests/support/office.py)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.runtime.boot import demo_org_path, load_org_file
from tests.support.office import (  # noqa: F401  (PASSWORD, V1, DIRECTIVE, CONFIDENTIAL_DOC: re-exported)
    CHEAP_HASH, CONFIDENTIAL_DOC, DIRECTIVE, PASSWORD, V1, Api)


@pytest.fixture
def api_site(site):
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    return site


@pytest.fixture
def client(api_site):
    return TestClient(create_app(api_site))


@pytest.fixture
def api(client):
    return Api(client)
