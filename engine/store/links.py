"""One-tap links (`/go/{token}`): find a link by its token's hash, use it up once, and mark read the recipient's
notifications of its task."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import ActionLink, Notification

T_LINK, T_NOTE = ActionLink.__table__, Notification.__table__


def find(*, conn: Connection, token_hash: str) -> Any:
    return conn.execute(sa.select(T_LINK).where(T_LINK.c.token_hash == token_hash)).first()


def use(*, conn: Connection, token_hash: str, login: str, now: datetime) -> bool:
    """Use the link up; True only for the one call that did (a second opening, even a concurrent one, gets False)."""
    c = T_LINK.c
    return conn.execute(T_LINK.update().where(c.token_hash == token_hash, c.used_at.is_(None))
                        .values(used_at=now, used_by=login)).rowcount == 1


def mark_task_notes_read(*, conn: Connection, person: str, instance_id: int, task_id: int | None,
                         now: datetime) -> list[int]:
    """Mark read the person's unread notifications of the task (of the item when no task); returns their ids."""
    c = T_NOTE.c
    where = [c.person == person, c.read_at.is_(None), c.instance_id == instance_id]
    if task_id is not None:
        where.append(c.task_id == task_id)
    ids = list(conn.execute(sa.select(c.id).where(*where)).scalars())
    if ids:
        conn.execute(T_NOTE.update().where(c.id.in_(ids)).values(read_at=now))
    return ids
