"""Attachments (附件): their rows — insert one, read one or an item's, hide one (removed_*; the row and the bytes
stay), the ones a person may still attach to an entry, linking them to the entry they came with, and the hashes
every row refers to (the file store keeps those bytes for ever)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.store import board_tally
from engine.store.tables import Attachment, Entry

T, T_ENTRY = Attachment.__table__, Entry.__table__
PUBLIC = ("id", "instance_id", "sha256", "name", "size", "content_type", "note", "origin", "entry_id",
          "uploaded_by", "uploaded_at", "removed_at", "removed_by", "removed_reason")
_PUBLIC_COLUMNS = [T.c[k] for k in PUBLIC]


def insert(*, conn: Connection, row: dict[str, Any]) -> int:
    """Insert one attachment row; returns its id."""
    board_tally.mark(conn, items=[row.get("instance_id")])  # completion material counts on the board
    return conn.execute(T.insert().values(**row).returning(T.c.id)).scalar_one()


def get(*, conn: Connection, attachment_id: int) -> dict | None:
    """One attachment (without its text), removed or not; None when there is none."""
    r = conn.execute(sa.select(*_PUBLIC_COLUMNS).where(T.c.id == attachment_id)).mappings().first()
    return dict(r) if r else None


def texts(*, conn: Connection, ids: Iterable[int]) -> dict[int, str | None]:
    """The text extracted at upload of each of these attachments (for the search index)."""
    return {r.id: r.text for r in conn.execute(sa.select(T.c.id, T.c.text).where(T.c.id.in_(list(ids))))}


def of_item(*, conn: Connection, instance_id: int, removed: bool = False) -> list[dict]:
    """An item's attachments in upload order; the removed ones only when asked."""
    q = sa.select(*_PUBLIC_COLUMNS).where(T.c.instance_id == instance_id)
    if not removed:
        q = q.where(T.c.removed_at.is_(None))
    return [dict(r) for r in conn.execute(q.order_by(T.c.id)).mappings()]


def remove(*, conn: Connection, attachment_id: int, by: str, reason: str, at: datetime) -> bool:
    """Hide an attachment (it stays, with who removed it, when and why); False when it was removed already."""
    done = conn.execute(T.update().where(T.c.id == attachment_id, T.c.removed_at.is_(None))
                        .values(removed_at=at, removed_by=by, removed_reason=reason))
    board_tally.mark(conn, files=[attachment_id])
    return done.rowcount == 1


def attachable(*, conn: Connection, instance_id: int, login: str, ids: Iterable[int]) -> set[int]:
    """Of `ids`: those uploaded to the item by `login`, not removed, not yet attached to an entry."""
    ids = list(ids)
    if not ids:
        return set()
    q = sa.select(T.c.id).where(T.c.id.in_(ids), T.c.instance_id == instance_id, T.c.uploaded_by == login,
                                T.c.removed_at.is_(None), T.c.entry_id.is_(None))
    return set(conn.execute(q).scalars())


def link(*, conn: Connection, ids: Iterable[int], entry_id: int | None, origin: str) -> None:
    """Mark attachments as having come with an entry (`entry_id`, None for the start of an item) and `origin`."""
    ids = list(ids)
    if ids:
        conn.execute(T.update().where(T.c.id.in_(ids)).values(entry_id=entry_id, origin=origin))
        board_tally.mark(conn, files=ids)


def insert_entry_with(*, conn: Connection, row: dict[str, Any], ids: Iterable[int], origin: str) -> int:
    """Insert an entry that came with files, and mark those files as having come with it; returns its id."""
    entry_id = conn.execute(T_ENTRY.insert().values(**row).returning(T_ENTRY.c.id)).scalar_one()
    link(conn=conn, ids=ids, entry_id=entry_id, origin=origin)
    return entry_id


def claim_staged(*, conn: Connection, ids: Iterable[int], login: str, instance_id: int) -> list[dict]:
    """Join to a new item the files `login` uploaded for a registration (no item yet, not removed); returns
    those joined."""
    ids = list(ids)
    ok = [r["id"] for r in conn.execute(sa.select(T.c.id).where(
        T.c.id.in_(ids), T.c.instance_id.is_(None), T.c.uploaded_by == login, T.c.removed_at.is_(None))).mappings()]
    if ok:
        conn.execute(T.update().where(T.c.id.in_(ok)).values(instance_id=instance_id, origin="registration"))
        board_tally.mark(conn, items=[instance_id])
    rows = conn.execute(sa.select(*_PUBLIC_COLUMNS).where(T.c.id.in_(ok)).order_by(T.c.id)).mappings()
    return [dict(r) for r in rows]


def of_entries(*, conn: Connection, entry_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Attachments (not removed) by the entry they came with."""
    ids = list(entry_ids)
    out: dict[int, list[dict]] = {}
    if ids:
        q = sa.select(*_PUBLIC_COLUMNS).where(T.c.entry_id.in_(ids), T.c.removed_at.is_(None)).order_by(T.c.id)
        for r in conn.execute(q).mappings():
            out.setdefault(r["entry_id"], []).append(dict(r))
    return out


def referenced(*, conn: Connection) -> set[str]:
    """Every sha256 an attachment row refers to (removed ones too: their bytes stay)."""
    return set(conn.execute(sa.select(T.c.sha256).distinct()).scalars())


def all_hashes(*, conn: Connection) -> list[tuple[str, int]]:
    """(sha256, size) of every stored content, for backups."""
    return [(s, n) for s, n in conn.execute(sa.select(T.c.sha256, sa.func.max(T.c.size)).group_by(T.c.sha256))]


def items_with_material(*, conn: Connection, instance_ids: Iterable[int] | None = None) -> set[int]:
    """The items with completion material: an attachment (not removed) of origin `complete`."""
    q = sa.select(T.c.instance_id).where(T.c.origin == "complete", T.c.removed_at.is_(None)).distinct()
    if instance_ids is not None:
        q = q.where(T.c.instance_id.in_(list(instance_ids)))
    return set(conn.execute(q).scalars())
