"""Notification rows (the in-app inbox) and outbox rows (messages to dispatch after commit, invariant 3), written
in the caller's transaction; and who wants them how (channels, digest)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import Notification, Outbox, Person

T_NOTE, T_OUT, T_PERSON = Notification.__table__, Outbox.__table__, Person.__table__
INSERT_NOTE, INSERT_OUT = T_NOTE.insert(), T_OUT.insert()
_CHANNELS = sa.select(T_PERSON.c.login, T_PERSON.c.channels)
_DIGEST = sa.select(T_PERSON.c.login).where(T_PERSON.c.digest.is_(True))


def add(*, conn: Connection, notes: list[dict[str, Any]], outbox: list[dict[str, Any]]) -> None:
    """Insert inbox rows and outbox rows (dicts with their columns), one statement per table."""
    if notes:
        conn.execute(INSERT_NOTE, notes)
    if outbox:
        conn.execute(INSERT_OUT, outbox)


def channels_by_login(*, conn: Connection) -> dict[str, list[str]]:
    """Every person's notification channels (Apprise URLs)."""
    return {r.login: r.channels or [] for r in conn.execute(_CHANNELS)}


def digest_people(*, conn: Connection) -> set[str]:
    """People who get one digest per sweep instead of a message per reminder."""
    return set(conn.execute(_DIGEST).scalars())
