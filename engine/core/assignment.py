"""What every assignment (交办) must satisfy, written once: the `assign` action checks it when it is taken, and the
new-item form checks what a definition's assign step will propose from the subject (its `prefill`), so that a
directive is refused at registration with the words `assign` would use later."""
from __future__ import annotations

from datetime import date
from typing import Any

from engine.core import dsl
from engine.core.org import Holder, Org
from engine.core.states import InputError


def check_assignment(lead: Holder | None, co: list[str], due: date | None, today: date, *,
                     co_field: str = "co", due_field: str = "due") -> None:
    """The lead is not also a co-handling unit; the due date is not in the past (InputError naming the field)."""
    if lead is not None and lead.unit and lead.unit in co:
        raise InputError(co_field, "主办单位不能同时是协办单位", "the lead unit cannot also co-handle")
    if due is not None and due < today:
        raise InputError(due_field, "办理时限不能早于今天", "the due date cannot be in the past")


def check_proposal(defn: dsl.Definition, subject: dict[str, Any], org: Org, today: date) -> None:
    """Check a (clean) subject as each assign step of `defn` will propose it: the fields are the subject's."""
    for step in defn.steps.values():
        if not isinstance(step, dsl.AssignStep) or step.prefill is None:
            continue
        names = {k: _subject_field(getattr(step.prefill, k)) for k in ("lead", "co", "due")}
        value = {k: subject.get(n) if n else None for k, n in names.items()}
        lead = value["lead"]
        holder = (Holder(unit=lead) if lead in org.units else Holder(person=lead)) if isinstance(lead, str) else None
        co = value["co"] if isinstance(value["co"], list) else []
        due = value["due"] if isinstance(value["due"], date) else None
        check_assignment(holder, co, due, today, co_field=names["co"] or "co", due_field=names["due"] or "due")


def _subject_field(ref: str | None) -> str | None:
    root, _, name = (ref or "").partition(".")
    return name if root == "subject" and name else None
