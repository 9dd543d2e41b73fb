"""Every DUBAN_* setting lives in engine.settings: defaults, validation with the variable's name, masking of
secrets, and no module reading DUBAN_* from the environment by itself."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.settings import Settings, SettingsError, describe, effective, mask_url, settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    import os

    for name in list(os.environ):
        if name.upper().startswith("DUBAN_"):
            monkeypatch.delenv(name)


def test_defaults_have_a_value_and_a_description():
    s = settings()
    assert (s.database_url, s.sweep_seconds, s.scheduler, s.due_on_day_off) == (
        "sqlite:///duban.db", 30.0, "embedded", "next_working_day")
    assert all(info.description for info in Settings.model_fields.values())


def test_values_come_from_the_environment_and_are_read_again_when_it_changes(monkeypatch):
    monkeypatch.setenv("DUBAN_SWEEP_SECONDS", "12")
    monkeypatch.setenv("DUBAN_SCHEDULER", " Prefect ")
    assert (settings().sweep_seconds, settings().scheduler) == (12.0, "prefect")
    monkeypatch.setenv("DUBAN_SWEEP_SECONDS", "7")
    assert settings().sweep_seconds == 7.0


@pytest.mark.parametrize("name, value, message", [
    ("DUBAN_DB_POOL_SIZE", "lots", "DUBAN_DB_POOL_SIZE must be a whole number, not 'lots'"),
    ("DUBAN_TOKEN_HOURS", "soon", "DUBAN_TOKEN_HOURS must be a number"),
    ("DUBAN_DUE_ON_DAY_OFF", "later", "DUBAN_DUE_ON_DAY_OFF='later' is not one of next_working_day, keep"),
    ("DUBAN_ACCESS_LOG", "maybe", "DUBAN_ACCESS_LOG must be 1/0"),
    ("DUBAN_WORKERS", "0", "DUBAN_WORKERS"),
])
def test_a_bad_value_names_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(message)):
        settings()


def test_secrets_are_masked_when_printed(monkeypatch):
    monkeypatch.setenv("DUBAN_DATABASE_URL", "postgresql://duban:s3cret-pw@db.example:5432/duban")
    monkeypatch.setenv("DUBAN_DEMO_PASSWORD", "drill-pass-9")
    text = describe()
    assert "s3cret-pw" not in text and "drill-pass-9" not in text
    assert "postgresql://duban:***@db.example:5432/duban" in text
    shown = {name: value for name, value, _ in effective()}
    assert shown["DUBAN_DEMO_PASSWORD"] == "***" and shown["DUBAN_SWEEP_SECONDS"] == "30.0"
    assert mask_url("sqlite:///duban.db") == "sqlite:///duban.db"


def test_no_module_reads_duban_variables_from_the_environment_itself():
    pattern = re.compile(r"(environ\.get|getenv)\(\s*[\"']DUBAN_|environ\[\s*[\"']DUBAN_\w+[\"']\s*\](?!\s*=)")
    offenders = [str(p.relative_to(ROOT)) for folder in ("engine", "api", "workflows")
                 for p in (ROOT / folder).rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
