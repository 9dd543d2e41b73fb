"""Database setup: SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE for writes) or PostgreSQL."""
from __future__ import annotations

import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from engine.settings import settings
from engine.store import board_tally

DEFAULT_URL = "sqlite:///duban.db"


def database_url(url: str | None = None) -> str:
    """The database to use: the argument, DUBAN_DATABASE_URL, or ./duban.db."""
    url = url or settings().database_url or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def pool_settings(pool_size: int | None = None) -> dict:
    """PostgreSQL connection pool of one process. Each replica, worker and flow run holds up to
    size + overflow connections, so keep replicas × (size + overflow) under the server's max_connections.
    DUBAN_DB_POOL_SIZE (default 5), DUBAN_DB_MAX_OVERFLOW (10), DUBAN_DB_POOL_TIMEOUT (seconds to wait for a
    connection, 30), DUBAN_DB_POOL_RECYCLE (seconds before a connection is replaced, 1800: balancers and
    PgBouncer drop idle ones). Connections are checked before use, so a restarted server costs no request."""
    s = settings()
    return {"pool_size": pool_size if pool_size is not None else s.db_pool_size,
            "max_overflow": s.db_max_overflow, "pool_timeout": s.db_pool_timeout,
            "pool_recycle": s.db_pool_recycle, "pool_pre_ping": True, "pool_use_lifo": True}


def make_engine(url: str | None = None, *, pool_size: int | None = None) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        eng = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn: Connection) -> None:
            mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return eng
    return sa.create_engine(url, **pool_settings(pool_size))


_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.RLock]" = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def _writer_lock(eng: Engine) -> threading.RLock:
    with _WRITERS_LOCK:
        lock = _WRITERS.get(eng)
        if lock is None:
            lock = _WRITERS[eng] = threading.RLock()
        return lock


@contextmanager
def write(eng: Engine) -> Iterator[Connection]:
    """One write transaction: on SQLite it takes the write lock at once (no upgrade deadlocks), and
    threads of one process queue for it in order instead of busy-waiting; PostgreSQL uses row locks."""
    if eng.dialect.name == "sqlite":
        with _writer_lock(eng), eng.connect() as conn:
            conn = conn.execution_options(write=True)
            with conn.begin():
                board_tally.forget(conn)  # marks left by a transaction that rolled back
                yield conn
                board_tally.settle(conn)  # the board's counts of the items changed, before the commit
        return
    with eng.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            board_tally.forget(conn)
            yield conn
            board_tally.settle(conn)


@contextmanager
def read(eng: Engine) -> Iterator[Connection]:
    with eng.connect() as conn:
        with conn.begin():
            yield conn


def is_postgres(eng: Engine | Connection) -> bool:
    return eng.dialect.name == "postgresql"


def migrate(eng: Engine) -> None:
    """Bring the schema to the newest Alembic revision (on PostgreSQL under an advisory lock)."""
    root = Path(__file__).resolve().parent / "migrations"
    cfg = Config()
    cfg.set_main_option("script_location", str(root))
    cfg.set_main_option("sqlalchemy.url", eng.url.render_as_string(hide_password=False))
    with eng.connect() as conn:
        if is_postgres(conn):
            conn.exec_driver_sql("SELECT pg_advisory_lock(815015)")
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if is_postgres(conn):
                conn.exec_driver_sql("SELECT pg_advisory_unlock(815015)")
                conn.commit()


def ping(eng: Engine) -> None:
    """Raise unless the database answers a trivial query (health checks)."""
    with read(eng) as conn:
        conn.execute(sa.text("SELECT 1"))
