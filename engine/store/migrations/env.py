"""Alembic environment: runs on the connection Duban hands over (or the configured URL)."""
from alembic import context
import sqlalchemy as sa
from sqlmodel import SQLModel

import engine.store.tables  # noqa: F401  (registers the tables)

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


def _go(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata,
                      render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
