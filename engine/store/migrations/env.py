"""Alembic environment: runs on the connection Duban hands over (or the configured URL)."""
from alembic import context
import sqlalchemy as sa
from sqlmodel import SQLModel

import engine.store.tables  # noqa: F401  (registers the tables)
from engine.store.search_index import hidden

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:
        eng = sa.create_engine(config.get_main_option("sqlalchemy.url"))
        with eng.connect() as c:
            _go(c)
            c.commit()
    else:
        _go(conn)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out search's own objects that no model declares (FTS5 tables, PostgreSQL GIN indexes)."""
    return not hidden(name)


def _go(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata, include_object=include_object,
                      render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
