"""Notification rows (the in-app inbox) and outbox rows (messages to dispatch after commit, invariant 3), written
in the caller's transaction; and who wants them how (channels, digest)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import ActionLink, Notification, Outbox, Person, Unit

T_NOTE, T_OUT, T_PERSON = Notification.__table__, Outbox.__table__, Person.__table__
T_UNIT, T_LINK = Unit.__table__, ActionLink.__table__
INSERT_NOTE, INSERT_OUT = T_NOTE.insert(), T_OUT.insert()
_DIGEST = sa.select(T_PERSON.c.login).where(T_PERSON.c.digest.is_(True))


def add(*, conn: Connection, notes: list[dict[str, Any]], outbox: list[dict[str, Any]],
        links: list[dict[str, Any]] | None = None) -> None:
    """Insert inbox rows, outbox rows and one-tap link rows (dicts with their columns), one statement per table."""
    if links:
        conn.execute(T_LINK.insert(), links)
    if notes:
        conn.execute(INSERT_NOTE, notes)
    if outbox:
        conn.execute(INSERT_OUT, outbox)


def digest_people(*, conn: Connection) -> set[str]:
    """People who get one digest per sweep instead of a message per reminder."""
    return set(conn.execute(_DIGEST).scalars())


def reach_by_login(*, conn: Connection) -> dict[str, dict[str, Any]]:
    """Every person's channels, preferred channel, work-app ids and their unit's channels."""
    units = {r.id: r.channels or [] for r in conn.execute(sa.select(T_UNIT.c.id, T_UNIT.c.channels))}
    p = T_PERSON.c
    rows = conn.execute(sa.select(p.login, p.channels, p.prefer, p.dingtalk_userid, p.wecom_userid, p.unit_id))
    return {r.login: {"channels": r.channels or [], "prefer": r.prefer, "dingtalk_userid": r.dingtalk_userid,
                      "wecom_userid": r.wecom_userid, "unit_channels": units.get(r.unit_id, [])} for r in rows}


def preferences_of(*, conn: Connection, login: str) -> Any:
    """(prefer, digest, dingtalk_userid, wecom_userid, channels) of one person, or None."""
    p = T_PERSON.c
    return conn.execute(sa.select(p.prefer, p.digest, p.dingtalk_userid, p.wecom_userid, p.channels)
                        .where(p.login == login)).first()


def set_preferences(*, conn: Connection, login: str, values: dict[str, Any]) -> bool:
    """Change a person's preferred channel and digest choice; True if the person exists."""
    return conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(**values)).rowcount == 1
