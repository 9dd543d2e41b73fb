"""The settings a site that scales out touches: who runs the timers, and the connection pool of each process."""
from __future__ import annotations

import pytest

from api.server import scheduler_banner, scheduler_mode
from engine.store import db


@pytest.mark.parametrize("env, flag, mode", [
    (None, True, "embedded"), (None, False, "off"), ("embedded", False, "off"), ("prefect", True, "prefect"),
    ("prefect", False, "prefect"), ("OFF", True, "off"), (" Prefect ", True, "prefect"),
])
def test_who_runs_the_timers(monkeypatch, env, flag, mode):
    if env is None:
        monkeypatch.delenv("DUBAN_SCHEDULER", raising=False)
    else:
        monkeypatch.setenv("DUBAN_SCHEDULER", env)
    assert scheduler_mode(flag) == mode


def test_a_misspelt_scheduler_stops_the_server_with_the_choices(monkeypatch):
    monkeypatch.setenv("DUBAN_SCHEDULER", "prefekt")
    with pytest.raises(SystemExit, match="prefekt.*embedded, prefect, off"):
        scheduler_mode(True)


def test_the_banner_says_who_is_in_charge():
    assert "timers: off (--no-scheduler)" in scheduler_banner("off", True)
    assert "timers: off (DUBAN_SCHEDULER=off)" in scheduler_banner("off", False)
    assert "timers: Prefect (DUBAN_SCHEDULER=prefect)" in scheduler_banner("prefect", True)
    assert "embedded scheduler" in scheduler_banner("embedded", False)


def test_pool_settings_come_from_the_environment(monkeypatch):
    assert db.pool_settings() == {"pool_size": 5, "max_overflow": 10, "pool_timeout": 30, "pool_recycle": 1800,
                                  "pool_pre_ping": True, "pool_use_lifo": True}
    monkeypatch.setenv("DUBAN_DB_POOL_SIZE", "2")
    monkeypatch.setenv("DUBAN_DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DUBAN_DB_POOL_RECYCLE", "300")
    got = db.pool_settings()
    assert (got["pool_size"], got["max_overflow"], got["pool_recycle"]) == (2, 0, 300)
    assert db.pool_settings(pool_size=9)["pool_size"] == 9
    monkeypatch.setenv("DUBAN_DB_POOL_SIZE", "lots")
    with pytest.raises(ValueError, match="DUBAN_DB_POOL_SIZE must be a whole number"):
        db.pool_settings()


def test_a_postgres_engine_uses_them(monkeypatch):
    monkeypatch.setenv("DUBAN_DB_POOL_SIZE", "3")
    eng = db.make_engine("postgresql://nobody@127.0.0.1:1/none")  # no connection is made
    try:
        assert eng.pool.size() == 3 and eng.pool._recycle == 1800 and eng.pool._pre_ping
    finally:
        eng.dispose()
