"""Checks of the level-dependent rules (督办级别): a chase step's and an escalation's `when` (an expression over
`subject` only), chase rule sets attached to one step in an order where each can apply, and a field's
`default_from` naming a field of the subject."""
from __future__ import annotations

from typing import Any, Callable

from engine.core import dsl, expr
from engine.parser.positions import Located

ROOTS = {"subject"}  # a chase rule is chosen when a task is armed, from the item's subject alone


def chase_when(step: dsl.ChaseStep, sid: str, at: Callable[..., str]) -> list[str]:
    """Problems of a chase step's `when` and its escalations' `when`."""
    out = []
    checks: list[tuple[str | None, tuple[Any, ...]]] = [(step.when, ("when",))]
    checks += [(e.when, ("escalate", i, "when")) for i, e in enumerate(step.escalate)]
    for text, path in checks:
        if text:
            try:
                expr.check(text, ROOTS)
            except expr.ExprError as e:
                out.append(f"{at('steps', sid, *path)}: {e} (a chase rule reads only `subject`)")
    return out


def chase_order_problems(defn: dsl.Definition, at: Callable[..., str]) -> list[str]:
    """A chase step without `when` applies to every item: another chase step attached to the same step after it
    would never apply."""
    out = []
    catch_all: dict[str, str] = {}  # attached step -> the chase step without `when` that takes it
    for sid, step in defn.steps.items():
        if not isinstance(step, dsl.ChaseStep):
            continue
        for a in step.attach_to:
            if a in catch_all:
                out.append(f"{at('steps', sid, 'attach_to')}: chase step {sid!r} never applies to {a!r}: "
                           f"{catch_all[a]!r} comes first and has no `when`; put the one with `when` first")
            elif step.when is None:
                catch_all[a] = sid
    return out


def default_from_problems(defn: dsl.Definition, located: Located) -> list[str]:
    """`default_from` names another field of the subject."""
    out = []
    for name, f in defn.fields.items():
        src = f.default_from.field if f.default_from else None
        if src is not None and (src not in defn.fields or src == name):
            line = located.line(("fields", name, "default_from", "field"))
            out.append(f"{located.filename}:{line}: field {name!r} takes its default from {src!r}, which is not "
                       f"another field of the subject")
    return out
