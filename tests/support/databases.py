"""One fresh-database helper for every test folder. The schema is migrated once per session into a template (a
SQLite file, or the PostgreSQL database named by DUBAN_TEST_DATABASE_URL); each test, module or twin then gets a clean
database from it: a copy of the template file, or the PostgreSQL test database emptied. `demo_site` opens a site on
it with the demo organisation loaded."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

from engine.clock import Clock
from engine.core.auditchain import GENESIS
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.runtime.site import Site
from engine.store import db

PG_URL = os.environ.get("DUBAN_TEST_DATABASE_URL")


def migrated_template(folder: Path) -> Path | str:
    """Migrate once: a template SQLite file in `folder`, or the PostgreSQL test database (its URL)."""
    if PG_URL:
        eng = db.make_engine(PG_URL)
        db.migrate(eng)
        eng.dispose()
        return PG_URL
    path = folder / "template.db"
    eng = db.make_engine(f"sqlite:///{path}")
    db.migrate(eng)
    eng.dispose()
    return path


def fresh_database(template: Path | str, folder: Path, name: str = "duban.db") -> str:
    """The URL of a clean, migrated database: `folder/name` copied from the template, or on PostgreSQL the test
    database with every table emptied (one PostgreSQL database: a second call empties the first's)."""
    if PG_URL:
        eng = db.make_engine(PG_URL)
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables if t.name != "audit_head")
        with eng.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            # an empty trail starts its chain again, as a freshly migrated database does
            conn.execute(sa.text("DELETE FROM audit_head"))
            conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, :genesis)"), {"genesis": GENESIS})
        eng.dispose()
        return PG_URL
    path = folder / name
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def demo_site(url: str, clock: Clock, *, password_hash: str | None = None) -> Site:
    """A site on an already migrated database, with the demo organisation (every person's password hash set to
    `password_hash` when given)."""
    site = open_site(url, clock, migrate=False)
    load_org_file(site, demo_org_path(), password_hash=password_hash)
    return site
