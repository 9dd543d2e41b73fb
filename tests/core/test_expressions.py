"""Conditions in a definition read the item and change nothing: a `when:` that would add a co-handler, empty the
subject or reach Python's insides is refused, when the definition loads and again when the rule runs."""
from __future__ import annotations

import pytest

from engine.core import expr

ROOTS = {"subject", "input"}


def a_directive() -> dict:
    return {"title": "春节值班安排", "priority": "urgent", "co_units": ["hr", "finance"], "level": "flagged"}


@pytest.mark.parametrize("text, words", [
    ("subject.co_units.append('x')", "method call .append() is not allowed"),
    ("subject.clear()", "method call .clear() is not allowed"),
    ("subject.title.upper() == 'X'", "method call .upper() is not allowed"),
    ("subject.__class__", "attribute '__class__' is not allowed"),
    ("subject.co_units._x", "attribute '_x' is not allowed"),
    ("open('/etc/passwd')", "function 'open' is not one the language lists"),
    ("(n := 3) > 1", "assignment (:=) is not allowed"),
])
def test_a_clerk_cannot_write_a_condition_that_changes_or_escapes(text, words):
    with pytest.raises(expr.ExprError) as caught:
        expr.check(text, ROOTS)
    assert words in str(caught.value)


def test_the_listed_functions_and_plain_reading_still_load():
    for text in ("len(subject.co_units) >= 2", "subject.priority == 'urgent' and 'hr' in subject.co_units",
                 "max(1, min(3, 2)) == 2", "subject.due.year == 2026"):
        expr.check(text, ROOTS)


@pytest.mark.parametrize("text", [
    "subject.co_units.append('x')", "subject.clear()", "subject.title.upper()", "subject.co_units.pop()",
    "subject.__class__", "subject.title.__len__()",
])
def test_at_run_time_a_condition_cannot_change_the_directive(text):
    subject = a_directive()
    before = {k: (list(v) if isinstance(v, list) else v) for k, v in subject.items()}
    with pytest.raises(expr.ExprError):
        expr.evaluate(text, {"subject": subject})
    assert subject == before


def test_an_attribute_that_is_a_method_is_refused_even_without_a_call():
    with pytest.raises(expr.ExprError) as caught:
        expr.evaluate("subject.title.upper", {"subject": a_directive()})
    assert "is a method" in str(caught.value)


def test_a_field_named_like_a_method_reads_the_field():
    """`subject.clear` reads a field called clear (absent: None), never the mapping's method."""
    assert expr.evaluate("subject.clear", {"subject": a_directive()}) is None
    assert expr.evaluate("subject.items", {"subject": {"items": 3}}) == 3


def test_conditions_the_office_writes_still_work():
    names = {"subject": a_directive()}
    assert expr.evaluate("subject.priority == 'urgent' and len(subject.co_units) == 2", names) is True
    assert expr.evaluate("subject.level == 'flagged'", names) is True
    assert expr.evaluate("subject.missing is None", names) is True
