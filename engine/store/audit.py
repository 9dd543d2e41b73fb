"""The audit log (留痕): the one writer of audit events, and nothing else in the project inserts into it.

Every change of state appends its events here, in the same transaction as the change (invariant 1). Events are
plain dicts with the columns of `tables.Event`; `record` fills what a caller may leave out."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from engine.store.tables import Event

T_EVENT = Event.__table__
INSERT_EVENT = T_EVENT.insert()
COLUMNS = ("instance_id", "task_id", "at", "actor", "kind", "message_zh", "message_en", "data")


def append(*, conn: Connection, events: list[dict[str, Any]]) -> int:
    """Append events (dicts with the audit columns) in the caller's transaction; returns how many."""
    if events:
        conn.execute(INSERT_EVENT, [{k: e.get(k) for k in COLUMNS} | {"data": e.get("data") or {}} for e in events])
    return len(events)


def record(*, conn: Connection, at: datetime, actor: str | None, kind: str, zh: str, en: str,
           instance_id: int | None = None, task_id: int | None = None, data: dict | None = None) -> None:
    """Append one event (administrative changes, sign-ins, registrations)."""
    append(conn=conn, events=[{"instance_id": instance_id, "task_id": task_id, "at": at, "actor": actor,
                               "kind": kind, "message_zh": zh, "message_en": en, "data": data or {}}])
