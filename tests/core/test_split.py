"""任务分解 rules without a database: the roll-up of parts onto their item, the completion guard, the parts a split
takes and their bounds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.core import dsl, split
from engine.core.states import Card, InputError, ItemState, NotAllowed

from tests.core.builders import shipped

D = datetime(2026, 3, 13, 10, tzinfo=timezone.utc)


def part(no, state=ItemState.running, percent=None, due=D, card=Card.none, weight=None):
    return split.ChildSnap(id=no, serial=f"督〔2026〕15-{no}号", title=f"第{no}项", state=state, lead_unit="hr",
                           due_at=due, progress_percent=percent, card=card, weight=weight)


def test_progress_is_the_mean_of_the_parts_and_a_closed_part_counts_as_done():
    r = split.rollup([part(1, percent=40), part(2, percent=20), part(3, state=ItemState.completed, percent=60)])
    assert (r["progress"], r["weighted"], r["open"], r["closed"]) == (53, False, 2, 1)  # (40 + 20 + 100) / 3


def test_weights_tilt_the_progress_and_a_cancelled_part_does_not_count():
    r = split.rollup([part(1, percent=50, weight=3), part(2, percent=10, weight=1),
                      part(3, state=ItemState.cancelled, weight=5)])
    assert (r["progress"], r["weighted"], r["parts"]) == (40, True, 3)  # (3 × 50 + 1 × 10) / 4


def test_the_earliest_due_and_the_worst_card_come_from_the_open_parts():
    early, late = datetime(2026, 3, 9, 10, tzinfo=timezone.utc), datetime(2026, 3, 20, 10, tzinfo=timezone.utc)
    r = split.rollup([part(1, due=late, card=Card.yellow), part(2, due=early, state=ItemState.completed, card=Card.red),
                      part(3, due=D)])
    assert (r["earliest_due"], r["worst_card"]) == (D, "yellow")
    assert split.rollup([part(1, card=Card.red), part(2, card=Card.yellow)])["worst_card"] == "red"
    assert split.rollup([]) is None


def test_the_lead_may_not_complete_while_parts_are_open_unless_the_rule_says_so():
    handle = shipped("directive").steps["handle"]
    with pytest.raises(NotAllowed) as refused:
        split.completion_guard(handle, [part(1), part(2, state=ItemState.completed), part(3)])
    assert refused.value.zh == "还有 2 项分解事项未办结，不能办结：督〔2026〕15-1号《第1项》、督〔2026〕15-3号《第3项》"
    assert refused.value.en.startswith("2 part(s) still open")
    split.completion_guard(handle, [part(1, state=ItemState.completed)])  # all closed: no refusal
    lenient = handle.model_copy(update={"split": dsl.SplitRule(complete_before_children=True)})
    split.completion_guard(lenient, [part(1)])


def test_parts_are_checked_field_by_field_and_bounded():
    clean = split.parts_value([{"title": " 自查 ", "lead": "hr", "due": "2026-03-13", "weight": "2"}], "parts")
    assert clean == [{"title": "自查", "lead": "hr", "due": datetime(2026, 3, 13).date(), "weight": 2.0}]
    for bad, field in (([], "parts"), ([{"lead": "hr", "due": "2026-03-13"}], "parts[1].title"),
                       ([{"title": "a", "lead": "hr", "due": "2026-03-13", "boss": "x"}], "parts[1].boss"),
                       ([{"title": "a", "lead": "hr", "due": "13/03/2026"}], "parts[1].due"),
                       ([{"title": "a", "lead": "hr", "due": "2026-03-13", "weight": 0}], "parts[1].weight"),
                       ([{"title": "a", "lead": "hr", "due": "2026-03-13"}] * 51, "parts")):
        with pytest.raises(InputError) as e:
            split.parts_value(bad, "parts")
        assert e.value.field == field
    with pytest.raises(InputError) as e:
        split.parts_value([{"title": "a", "lead": "hr", "due": "2026-03-13"}] * 51, "parts")
    assert "最多分解为 50 项" in e.value.zh and "at most 50 parts" in e.value.en


def test_the_shipped_directive_lets_the_lead_split_at_handling_and_the_director_at_assign():
    d = shipped("directive")
    assert d.steps["handle"].split == dsl.SplitRule(start="handle")
    assert d.steps["assign"].split is not None and d.steps["verify"].split is None
    with pytest.raises(ValueError):
        dsl.SplitRule(max_parts=51)
