"""The audit log (留痕): the one writer of audit events, and nothing else in the project inserts into it.

Every change of state appends its events here, in the same transaction as the change (invariant 1). Events are
plain dicts with the columns of `tables.Event`; `record` fills what a caller may leave out.

The trail is a hash chain (engine.core.auditchain, invariant 9). `append` first moves the one-row head
(`UPDATE audit_head SET seq = seq + n ... RETURNING seq, hash`): that row lock is held until the caller's
transaction ends, so writers append one after another in commit order and two transactions can never chain onto
the same event (PostgreSQL: the second UPDATE waits for the first to commit, then reads the new head; SQLite: one
writer at a time already). The events are then inserted with their seq, prev_hash and hash, and the head takes the
last hash. The cost: every transaction that writes an event holds that lock from its append to its commit, which
is why engine.runtime.apply appends the events late in its flush. On PostgreSQL this makes audited commits one at
a time (no group commit): the site's audited transactions per second are capped by one commit's latency, whatever
the number of replicas (on a 2-core test box, 8 writers: about 1200 → 120 transactions/s; one writer: unchanged).
Code that appends and then locks other rows in the same transaction risks a deadlock with a writer that holds
those rows and waits for the head: append last.

`verify` reads the whole chain in one snapshot, streamed in batches (bounded memory), through the pure checker."""
from __future__ import annotations

import json
import weakref
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from engine.core import auditchain, codec
from engine.store.tables import AuditHead, Event

T_EVENT = Event.__table__
T_HEAD = AuditHead.__table__
INSERT_EVENT = T_EVENT.insert()
COLUMNS = ("instance_id", "task_id", "at", "actor", "kind", "message_zh", "message_en", "data")
STREAM_BATCH = 2000

_MOVE_HEAD = T_HEAD.update().where(T_HEAD.c.id == 1).values(seq=T_HEAD.c.seq + sa.bindparam("n")) \
    .returning(T_HEAD.c.seq, T_HEAD.c.hash)
_SET_HASH = T_HEAD.update().where(T_HEAD.c.id == 1).values(hash=sa.bindparam("h"))
_ADVANCE_IF = T_HEAD.update().where(T_HEAD.c.id == 1, T_HEAD.c.seq == sa.bindparam("old_seq"),
                                    T_HEAD.c.hash == sa.bindparam("old_hash")) \
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
_HEADS: "weakref.WeakKeyDictionary[Engine, tuple[int, str]]" = weakref.WeakKeyDictionary()  # a guess, see append


class ChainHeadMissing(RuntimeError):
    """The audit_head row is gone: nothing may be appended until an operator looks (`duban audit verify`)."""


def append(*, conn: Connection, events: list[dict[str, Any]]) -> int:
    """Append events (dicts with the audit columns) in the caller's transaction, chained; returns how many.

    On SQLite the head this process wrote last is remembered per engine: the events are chained onto it and the
    head is moved by one conditional UPDATE (`WHERE seq = last AND hash = last`). When another process (or a
    rolled-back transaction) moved the head meanwhile, it matches nothing and the head is read and moved as
    described above: the guess saves a statement, never decides the chain. Not on PostgreSQL: there writers run
    side by side, the guess is mostly stale, and a conditional UPDATE that matches nothing takes no lock, so the
    writer would queue for the head twice (measured: slower with 8 writers)."""
    if not events:
        return 0
    rows = [{k: e.get(k) for k in COLUMNS} | {"data": _plain(e.get("data"))} for e in events]
    eng = conn.engine
    known = _HEADS.get(eng) if eng.dialect.name == "sqlite" else None  # see above
    if known is not None:
        chained = auditchain.chain(known[0], known[1], rows)
        last = chained[-1]
        if conn.execute(_ADVANCE_IF, {"old_seq": known[0], "old_hash": known[1], "new_seq": last["seq"],
                                      "new_hash": last["hash"]}).rowcount == 1:
            conn.execute(INSERT_EVENT, chained)
            _HEADS[eng] = (last["seq"], last["hash"])
            return len(rows)
    head = conn.execute(_MOVE_HEAD, {"n": len(rows)}).first()
    if head is None:
        raise ChainHeadMissing("审计链头（audit_head）缺失，无法写入审计事件；请运行 duban audit verify / the audit "
                               "chain's head (audit_head) is missing: no event can be written; run duban audit verify")
    chained = auditchain.chain(head.seq - len(rows), head.hash, rows)
    conn.execute(INSERT_EVENT, chained)
    conn.execute(_SET_HASH, {"h": chained[-1]["hash"]})
    _HEADS[eng] = (chained[-1]["seq"], chained[-1]["hash"])
    return len(rows)


def _plain(data: dict | None) -> dict:
    """The event's data as it will read back from the JSON column (so its hash is the same after a round trip)."""
    return json.loads(codec.dumps(data)) if data else {}


def record(*, conn: Connection, at: datetime, actor: str | None, kind: str, zh: str, en: str,
           instance_id: int | None = None, task_id: int | None = None, data: dict | None = None) -> None:
    """Append one event (administrative changes, sign-ins, registrations)."""
    append(conn=conn, events=[{"instance_id": instance_id, "task_id": task_id, "at": at, "actor": actor,
                               "kind": kind, "message_zh": zh, "message_en": en, "data": data or {}}])


def last_data(*, conn: Connection, kind: str) -> dict | None:
    """The data of the newest event of a kind (e.g. the last recorded calendar file's fingerprint), or None."""
    return conn.execute(sa.select(T_EVENT.c.data).where(T_EVENT.c.kind == kind)
                        .order_by(T_EVENT.c.seq.desc()).limit(1)).scalar_one_or_none()


def verify(eng: Engine) -> auditchain.Verdict:
    """Check the whole chain in one snapshot (PostgreSQL: REPEATABLE READ; SQLite: one read transaction), streaming
    the events in seq order; the first fault names the event."""
    with eng.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            head = conn.execute(sa.select(T_HEAD.c.seq, T_HEAD.c.hash).where(T_HEAD.c.id == 1)).first()
            if head is None:
                return auditchain.no_head()
            checker = auditchain.Checker(head.seq, head.hash)
            cols = [T_EVENT.c.id, T_EVENT.c.seq, T_EVENT.c.prev_hash, T_EVENT.c.hash] + [T_EVENT.c[k] for k in COLUMNS]
            result = conn.execution_options(yield_per=STREAM_BATCH).execute(
                sa.select(*cols).order_by(T_EVENT.c.seq))
            for row in result:
                checker.feed(row._mapping)
            fault = checker.finish()
    return auditchain.Verdict(checker.checked, head.seq, head.hash, fault)
