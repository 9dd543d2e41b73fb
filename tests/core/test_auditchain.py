"""The audit trail's hash chain, without a database (engine.core.auditchain): a day's events chained one after the
other verify; every kind of tampering an insider with SQL could try is named at the first event it touched."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core import auditchain
from engine.core.auditchain import GENESIS, Checker, chain, event_hash, first_fault

SHANGHAI = ZoneInfo("Asia/Shanghai")


def day_of_events(n: int = 6) -> list[dict]:
    """A clerk's morning: n events, ids 10, 11, 12... as the store would hand them back."""
    start = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    raw = [{"instance_id": 1, "task_id": i, "at": start + timedelta(minutes=i), "actor": "clerk", "kind": "chase",
            "message_zh": f"催办第 {i} 次", "message_en": f"chase no. {i}", "data": {"n": i, "units": ["hr", "it"]}}
           for i in range(n)]
    return [{**e, "id": 10 + i} for i, e in enumerate(chain(0, GENESIS, raw))]


def head(rows: list[dict]) -> tuple[int, str]:
    return rows[-1]["seq"], rows[-1]["hash"]


def test_a_days_events_chained_in_order_verify():
    rows = day_of_events()
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[0]["prev_hash"] == GENESIS and all(a["hash"] == b["prev_hash"] for a, b in zip(rows, rows[1:]))
    assert first_fault(rows, *head(rows)) is None
    assert first_fault([], 0, GENESIS) is None  # a fresh site


def test_the_hash_does_not_depend_on_the_zone_the_time_was_given_in_nor_on_key_order():
    e = day_of_events(1)[0]
    in_utc = {**e, "at": e["at"].astimezone(timezone.utc), "data": {"units": ["hr", "it"], "n": 0}}
    assert event_hash(GENESIS, 1, in_utc) == e["hash"]
    assert event_hash(GENESIS, 1, {**e, "at": e["at"] + timedelta(microseconds=1)}) != e["hash"]
    with pytest.raises(ValueError):
        auditchain.utc_text(datetime(2026, 3, 2, 9, 30))  # a time without its zone cannot be chained


def test_an_edited_message_is_named_at_that_event():
    rows = day_of_events()
    rows[2] = {**rows[2], "message_zh": "催办第 2 次（已改）"}
    fault = first_fault(rows, *head(rows))
    assert (fault.kind, fault.id, fault.seq) == ("edited", 12, 3)
    assert "edited" in fault.en and "修改" in fault.zh


def test_a_deleted_event_is_named_by_the_gap_it_leaves():
    rows = day_of_events()
    h = head(rows)
    del rows[3]
    fault = first_fault(rows, *h)
    assert (fault.kind, fault.id, fault.seq) == ("deleted", 14, 5)
    assert "seq 4" in fault.en and "deleted" in fault.en


def test_the_last_events_deleted_are_caught_by_the_head():
    rows = day_of_events()
    fault = first_fault(rows[:4], *head(rows))
    assert (fault.kind, fault.id, fault.seq) == ("deleted", None, 5)
    assert "seq 5–6" in fault.en


def test_an_event_inserted_after_the_head_by_hand_is_named():
    rows = day_of_events()
    h = head(rows)
    forged = chain(h[0], h[1], [{**rows[0], "message_zh": "补记"}])[0] | {"id": 99}
    fault = first_fault(rows + [forged], *h)
    assert (fault.kind, fault.id, fault.seq) == ("inserted", 99, 7)


def test_an_event_slipped_into_the_middle_is_named_even_with_a_well_computed_hash():
    rows = day_of_events()
    h = head(rows)
    # seq 3 deleted, and a forged seq 3 written later (a higher id) with a correct link and hash
    forged = chain(2, rows[1]["hash"], [{**rows[2], "message_zh": "伪造的催办"}])[0] | {"id": 40}
    tampered = rows[:2] + [forged] + rows[3:]
    fault = first_fault(tampered, *h)
    assert (fault.kind, fault.id, fault.seq) == ("inserted", 40, 3)
    assert "out of order" in fault.en


def test_a_rewritten_event_with_its_hash_recomputed_breaks_the_next_link():
    rows = day_of_events()
    h = head(rows)
    rewritten = chain(1, rows[0]["hash"], [{**rows[1], "actor": "leader"}])[0] | {"id": rows[1]["id"]}
    rows[1] = rewritten
    fault = first_fault(rows, *h)
    assert (fault.kind, fault.seq) == ("relinked", 3) and "seq 2" in fault.en
    # the same on the last event: the head's hash no longer matches it
    rows = day_of_events()
    h = head(rows)
    rows[-1] = chain(5, rows[-2]["hash"], [{**rows[-1], "actor": "leader"}])[0] | {"id": rows[-1]["id"]}
    fault = first_fault(rows, *h)
    assert (fault.kind, fault.seq) == ("relinked", 6)


def test_a_row_without_a_place_in_the_chain_is_named():
    rows = day_of_events()
    h = head(rows)
    fault = first_fault([{**rows[0], "seq": None, "id": 5}] + rows, *h)
    assert (fault.kind, fault.id) == ("inserted", 5)


def test_the_checker_keeps_the_first_fault_and_counts_every_row():
    rows = day_of_events()
    h = head(rows)
    rows[1] = {**rows[1], "kind": "x"}
    rows[4] = {**rows[4], "kind": "y"}
    c = Checker(*h)
    for r in rows:
        c.feed(r)
    assert c.finish().seq == 2 and c.checked == 6
    verdict = auditchain.Verdict(c.checked, *h, c.fault)
    assert not verdict.ok and verdict.as_dict()["fault"]["id"] == 11 and "broken" in verdict.line()
