"""How much one input may hold: the one coercer refuses a title over 200 characters, a long text over 20,000,
a list over 200 entries and a code over 64, naming the field; the limits live in engine.core.limits alone."""
from __future__ import annotations

import pytest

from engine.core import limits
from engine.core.actions.catalogue import ACTIONS
from engine.core.fields import coerce
from engine.core.states import InputError


def test_the_limits_are_the_ones_the_office_was_promised():
    assert (limits.MAX_TITLE, limits.MAX_TEXT, limits.MAX_ITEMS, limits.MAX_CODE) == (200, 20_000, 200, 64)


@pytest.mark.parametrize("type_, fits, too_much, words", [
    ("text", "题" * 200, "题" * 201, "at most 200 characters (got 201)"),
    ("long_text", "字" * 20_000, "字" * 20_001, "at most 20000 characters (got 20001)"),
    ("unit", "u" * 64, "u" * 65, "at most 64 characters (got 65)"),
    ("person", "p" * 64, "p" * 65, "at most 64 characters (got 65)"),
    ("unit_or_person", "x" * 64, "x" * 65, "at most 64 characters (got 65)"),
    ("units", [f"u{n}" for n in range(200)], [f"u{n}" for n in range(201)], "at most 200 entries (got 201)"),
    ("units", ["u" * 64], ["u" * 65], "at most 64 characters (got 65)"),
])
def test_one_character_or_entry_too_many_is_refused_naming_the_field(type_, fits, too_much, words):
    assert coerce(type_, fits, "instruction") == fits
    with pytest.raises(InputError) as e:
        coerce(type_, too_much, "instruction")
    assert e.value.field == "instruction" and e.value.en == f"instruction: {words}"
    assert "不能超过" in e.value.zh or "最多" in e.value.zh


def test_a_refusal_never_echoes_a_whole_long_input():
    with pytest.raises(InputError) as e:
        coerce("number", "九" * 20_000, "percent")
    assert len(e.value.en) < 200


def test_every_action_text_field_states_its_bound():
    for spec in ACTIONS.values():
        for f in spec.fields:
            public = f.public()
            if f.type == "long_text":
                assert public["max_length"] == limits.MAX_TEXT, (spec.name, f.name)
            if f.type == "number":
                assert "max_length" not in public
