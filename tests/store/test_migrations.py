"""The Alembic migrations build exactly the tables the models declare (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from engine.store import db
from engine.store.search_index import hidden


def test_migrations_match_the_models(database_url):
    eng = db.make_engine(database_url)
    db.migrate(eng)  # already at head: a second run changes nothing
    with eng.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": lambda o, name, *_: not hidden(name)})
        diff = compare_metadata(ctx, SQLModel.metadata)
    eng.dispose()
    assert diff == [], f"tables differ from the migrations; run alembic revision --autogenerate: {diff}"
