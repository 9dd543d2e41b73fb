"""The SQL of sent bulletins (督查通报): store one as it was sent, list them newest first, read one back."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store.tables import SentBulletin

T_BULLETIN = SentBulletin.__table__
LISTED = ("id", "key", "definition", "heading", "since", "until", "sent_at", "recipients")


def insert(*, conn: Connection, row: dict[str, Any]) -> int:
    """Store a sent bulletin (the columns of SentBulletin) in the caller's transaction; returns its id."""
    return conn.execute(T_BULLETIN.insert(), row).inserted_primary_key[0]


def listing(*, conn: Connection, limit: int, offset: int = 0) -> tuple[list[Any], int]:
    """(one page of sent bulletins, newest first, without their models; how many there are)."""
    c = T_BULLETIN.c
    rows = conn.execute(sa.select(*(c[k] for k in LISTED)).order_by(c.sent_at.desc(), c.id.desc())
                        .limit(limit).offset(offset)).all()
    return rows, conn.execute(sa.select(sa.func.count()).select_from(T_BULLETIN)).scalar_one()


def get(*, conn: Connection, bulletin_id: int) -> Any | None:
    return conn.execute(sa.select(T_BULLETIN).where(T_BULLETIN.c.id == bulletin_id)).first()


def sent_key(*, conn: Connection, key: str) -> bool:
    """Whether the bulletin of a period key was sent already."""
    return conn.execute(sa.select(T_BULLETIN.c.id).where(T_BULLETIN.c.key == key)).first() is not None
