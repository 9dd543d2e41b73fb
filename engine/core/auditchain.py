"""The audit trail's hash chain (防篡改留痕), pure: the hash of one event, the hashes of a batch appended after a
head, and the check of a whole chain read in order, which names the first event that was edited, deleted or
inserted out of order.

Each event carries `seq` (1, 2, 3... per site, in commit order), `prev_hash` (the hash of the event before it, or
GENESIS for the first) and `hash` = sha256(prev_hash + canonical JSON of its columns). The canonical JSON is the one
codec's (engine.core.codec.dumps: keys sorted, no spaces); `at` is written in UTC as 2026-03-02T01:00:00.000000Z
whatever zone it was given in, so the text is the same before it is stored and after it is read back.

The check is a fold over the rows, one at a time (`Checker.feed`), so a store may stream a chain of any length with
bounded memory."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from engine.core import codec

GENESIS = "0" * 64
CONTENT = ("instance_id", "task_id", "at", "actor", "kind", "message_zh", "message_en", "data")


def utc_text(at: datetime) -> str:
    """One text for one instant: UTC, microseconds, `Z`."""
    if at.tzinfo is None:
        raise ValueError("an audit event's time needs its zone")
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, event: Mapping[str, Any]) -> str:
    """The canonical JSON text of an event's content and its place in the chain."""
    body = {k: event.get(k) for k in CONTENT}
    body["at"] = utc_text(event["at"])
    body["data"] = event.get("data") or {}
    body["seq"] = seq
    return codec.dumps(body)


def event_hash(prev_hash: str, seq: int, event: Mapping[str, Any]) -> str:
    """sha256 (hex) of the previous hash followed by the event's canonical JSON."""
    return hashlib.sha256((prev_hash + canonical(seq, event)).encode("utf-8")).hexdigest()


def chain(head_seq: int, head_hash: str, events: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The events given seq, prev_hash and hash, appended after the head (its last seq and hash)."""
    out, prev, seq = [], head_hash, head_seq
    for e in events:
        seq += 1
        h = event_hash(prev, seq, e)
        out.append({**e, "seq": seq, "prev_hash": prev, "hash": h})
        prev = h
    return out


@dataclass(frozen=True)
class Fault:
    """The first place where the chain is broken: the event (its id and seq; None when the fault is that events
    are missing at the end), what is wrong (`edited`, `deleted`, `inserted`, `relinked`), and the words for it."""

    kind: str
    id: int | None
    seq: int | None
    zh: str
    en: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "seq": self.seq, "message_zh": self.zh, "message_en": self.en}


@dataclass
class Checker:
    """Feed rows (mappings with id, seq, prev_hash, hash and the content columns) in seq order, then `finish` with
    the head the writer keeps (its last seq and hash). The first fault is kept; later rows are only counted."""

    head_seq: int
    head_hash: str
    checked: int = 0
    fault: Fault | None = None
    _prev_id: int | None = field(default=None, repr=False)
    _prev2_id: int | None = field(default=None, repr=False)
    _prev_seq: int = field(default=0, repr=False)
    _prev_hash: str = field(default=GENESIS, repr=False)

    def feed(self, row: Mapping[str, Any]) -> None:
        self.checked += 1
        if self.fault is None:
            self.fault = self._check(row)
        self._prev2_id, self._prev_id = self._prev_id, row["id"]
        self._prev_seq, self._prev_hash = row["seq"], row["hash"]

    def _check(self, r: Mapping[str, Any]) -> Fault | None:
        rid, seq = r["id"], r["seq"]
        where_zh, where_en = f"审计事件 #{rid}（序号 {seq}）", f"audit event #{rid} (seq {seq})"
        if seq is None:
            return Fault("inserted", rid, None, f"审计事件 #{rid} 没有序号：它不是由审计写入程序写入的（被直接插入）",
                         f"audit event #{rid} has no seq: it was inserted outside the audit writer")
        if seq > self.head_seq:
            return Fault("inserted", rid, seq, f"{where_zh}超出链头（共 {self.head_seq} 条）：它是在审计写入程序之外插入的",
                         f"{where_en} lies beyond the chain's head ({self.head_seq} events): it was inserted "
                         f"outside the audit writer")
        if seq > self._prev_seq + 1:
            gap_zh = f"序号 {self._prev_seq + 1}" + (f"–{seq - 1}" if seq - 1 > self._prev_seq + 1 else "")
            gap_en = f"seq {self._prev_seq + 1}" + (f"–{seq - 1}" if seq - 1 > self._prev_seq + 1 else "")
            return Fault("deleted", rid, seq, f"{where_zh}之前的审计事件（{gap_zh}）已被删除",
                         f"the audit events before {where_en} ({gap_en}) were deleted")
        if self._prev_id is not None and rid <= self._prev_id:
            # ids grow in commit order (they are taken under the head's lock): one of the two was written later.
            # The previous one, when its id also stands above the one before it (a forged row takes a new id).
            if self._prev2_id is None or rid > self._prev2_id:
                pid, pseq = self._prev_id, self._prev_seq
                return Fault("inserted", pid, pseq,
                             f"审计事件 #{pid}（序号 {pseq}）的编号晚于其后的 #{rid}：它是事后插入到链中间的",
                             f"audit event #{pid} (seq {pseq}) has a later id than #{rid} after it: it was inserted "
                             f"into the middle of the chain afterwards (out of order)")
            return Fault("inserted", rid, seq, f"{where_zh}的编号早于其前的 #{self._prev_id}：它是事后插入的",
                         f"{where_en} has an earlier id than #{self._prev_id} before it: it was inserted afterwards "
                         f"(out of order)")
        if seq <= self._prev_seq:
            return Fault("inserted", rid, seq, f"{where_zh}的序号重复：它是事后插入的",
                         f"{where_en} repeats seq {self._prev_seq}: it was inserted afterwards (out of order)")
        if r["prev_hash"] != self._prev_hash:
            return Fault("relinked", rid, seq, f"{where_zh}与前一条（序号 {self._prev_seq}）的链接断开：前一条被改写"
                                               f"（并重算了哈希），或本条的 prev_hash 被修改",
                         f"{where_en} no longer links to seq {self._prev_seq}: that event was rewritten (its hash "
                         f"recomputed) or this one's prev_hash was edited")
        if event_hash(r["prev_hash"], seq, r) != r["hash"]:
            return Fault("edited", rid, seq, f"{where_zh}的内容与其哈希不符：写入后被修改过",
                         f"{where_en} does not match its hash: it was edited after it was written")
        return None

    def finish(self) -> Fault | None:
        """The first fault, after checking that the last event is the head the writer recorded."""
        if self.fault is None and self._prev_seq < self.head_seq:
            gap = f"{self._prev_seq + 1}" + (f"–{self.head_seq}" if self.head_seq > self._prev_seq + 1 else "")
            self.fault = Fault("deleted", None, self._prev_seq + 1,
                               f"链尾的审计事件（序号 {gap}）已被删除（链头记录 {self.head_seq} 条）",
                               f"the last audit events (seq {gap}) were deleted (the head records {self.head_seq})")
        elif self.fault is None and self._prev_seq and self._prev_hash != self.head_hash:
            self.fault = Fault("relinked", self._prev_id, self._prev_seq,
                               f"最后一条审计事件（序号 {self._prev_seq}）与链头记录的哈希不符：它被改写过",
                               f"the last audit event (seq {self._prev_seq}) differs from the hash the head recorded: "
                               f"it was rewritten")
        return self.fault


def first_fault(rows: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str) -> Fault | None:
    """The first fault of a chain given whole (rows in seq order), or None when it verifies."""
    c = Checker(head_seq, head_hash)
    for r in rows:
        c.feed(r)
    return c.finish()


@dataclass(frozen=True)
class Verdict:
    """What a whole check found: how many events were read, the head, and the first fault (None: it verifies)."""

    checked: int
    head_seq: int
    head_hash: str
    fault: Fault | None

    @property
    def ok(self) -> bool:
        return self.fault is None

    def line(self, lang: str = "zh") -> str:
        """One line for an operator, in both languages."""
        if self.fault is None:
            return (f"审计链完整：{self.checked} 条事件，链头序号 {self.head_seq}，哈希 {self.head_hash} / "
                    f"the audit chain verifies: {self.checked} events, head seq {self.head_seq}, hash {self.head_hash}")
        return f"审计链已被篡改：{self.fault.zh} / the audit chain is broken: {self.fault.en}"

    def as_dict(self) -> dict:
        return {"ok": self.ok, "checked": self.checked, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "fault": self.fault.as_dict() if self.fault else None}


def no_head() -> Verdict:
    """The verdict when the head row itself is gone (deleted by hand)."""
    return Verdict(0, 0, GENESIS, Fault("deleted", None, None, "审计链头（audit_head）已被删除",
                                        "the audit chain's head (audit_head) was deleted"))
