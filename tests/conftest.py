"""Shared fixtures: a fresh database per test (SQLite file, or PostgreSQL via DUBAN_TEST_DATABASE_URL),
a manual clock in Asia/Shanghai, and the demo organisation."""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from engine.runtime.boot import demo_org_path, load_org_file, open_site  # noqa: E402
from engine.clock import ManualClock  # noqa: E402
from engine.store import db  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_URL = os.environ.get("DUBAN_TEST_DATABASE_URL")


def at(text: str) -> datetime:
    """'2026-03-02 09:30' in the site's time zone."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    """Migrate once per session: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        db.migrate(db.make_engine(PG_URL))
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    eng = db.make_engine(f"sqlite:///{path}")
    db.migrate(eng)
    eng.dispose()
    return path


@pytest.fixture
def database_url(_template_db, tmp_path):
    """A clean database for one test."""
    if PG_URL:
        eng = db.make_engine(PG_URL)
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with eng.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        eng.dispose()
        return PG_URL
    path = tmp_path / "duban.db"
    shutil.copy(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock():
    return ManualClock(at("2026-03-02 09:30"))  # a Monday morning


@pytest.fixture
def site(database_url, clock):
    s = open_site(database_url, clock, migrate=False)
    load_org_file(s, demo_org_path())
    yield s
    s.eng.dispose()


class Office:
    """Drives a site the way the office does: people take actions on the tasks in front of them."""

    def __init__(self, site, clock):
        from engine.reads import items as queries

        self.site, self.clock, self.q = site, clock, queries

    def issue_directive(self, by="leader", **subject):
        subject = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部、信息技术部配合。",
                   "leader": "leader", "lead_unit": "finance", "co_units": ["hr", "it"], "due": "2026-03-20",
                   **subject}
        return self.site.start("directive", subject, by)

    def task(self, item, step, *, on=None, kind="work"):
        """The open task of a step, held `on` a unit code or a person's login."""
        unit = on if on in self.site.org.units else None
        person = on if on and not unit else None
        return self.q.open_task_for(self.site, item, step, unit=unit, person=person, kind=kind)

    def do(self, who, item, step, action, *, on=None, kind="work", **data):
        return self.site.act(self.task(item, step, on=on, kind=kind), action, who, data)

    def view(self, item, lang="zh"):
        return self.q.item_view(self.site, item, None, lang)

    def tasks(self, item, step=None):
        return [t for t in self.view(item)["tasks"] if step is None or t["step"] == step]

    def timeline(self, item):
        return [e["text"] for e in self.view(item)["timeline"]]

    def kinds(self, item):
        return [e["kind"] for e in self.view(item)["timeline"]]

    def register_and_assign(self, item, **choice):
        self.do("clerk", item, "register", "submit")
        v = self.view(item)["tasks"][-1]
        prefill = v["data"].get("prefill", {})
        self.do("office", item, "assign", "assign", **{**prefill, **choice})

    def advance(self, **kw):
        from datetime import timedelta
        return self.clock.advance(timedelta(**kw))


@pytest.fixture
def office(site, clock):
    return Office(site, clock)
