"""Graph checks of a validated definition: the start step, transitions to existing steps, chase attachments,
conditions that parse, actors that resolve, deadlines that name date fields, reachability and a path to an end."""
from __future__ import annotations

from typing import Any

from engine.core import dsl, expr
from engine.parser.actors import check_actor
from engine.parser.levels import chase_order_problems, chase_when, default_from_problems
from engine.parser.positions import Located


def graph_problems(defn: dsl.Definition, located: Located) -> list[str]:
    """Every problem of the graph and its actors, as `file:line: message`."""
    f = located.filename
    problems: list[str] = []

    def at(*path: Any) -> str:
        return f"{f}:{located.line(path)}"

    steps = defn.steps
    if defn.start not in steps:
        problems.append(f"{at('start')}: start step {defn.start!r} does not exist")
    elif isinstance(steps[defn.start], (dsl.ChaseStep, dsl.EndStep)):
        problems.append(f"{at('start')}: the start step {defn.start!r} cannot be "
                        f"{'an end' if steps[defn.start].kind == 'end' else 'a chase'} step")
    if defn.title_field not in defn.fields:
        problems.append(f"{at('title_field') if 'title_field' in defn.model_fields_set else at('fields')}: "
                        f"the subject needs a field {defn.title_field!r} for the item's title")
    roots = {"subject", "input", "assignment", "actor"}
    edges: dict[str, set[str]] = {}
    dangling: list[str] = []  # transitions to a missing or chase step
    dead_ends: set[str] = set()  # steps without `next`, reported once above, not again below
    for sid, step in steps.items():
        edges[sid] = set()

        def target(to: str, *path: Any) -> None:
            if to not in steps or isinstance(steps[to], dsl.ChaseStep):
                dangling.append(to)
            if to not in steps:
                problems.append(f"{at('steps', sid, *path)}: step {sid!r} goes to {to!r}, which does not exist")
            elif isinstance(steps[to], dsl.ChaseStep):
                problems.append(f"{at('steps', sid, *path)}: step {sid!r} goes to chase step {to!r}; "
                                f"chase steps attach to other steps and are never entered")
            else:
                edges[sid].add(to)

        def condition(text: str | None, *path: Any) -> None:
            if text:
                try:
                    expr.check(text, roots)
                except expr.ExprError as e:
                    problems.append(f"{at('steps', sid, *path)}: {e}")

        if isinstance(step, dsl.ChaseStep):
            problems += chase_when(step, sid, at)
            for i, a in enumerate(step.attach_to):
                if a not in steps or isinstance(steps[a], (dsl.ChaseStep, dsl.EndStep, dsl.AutoStep)):
                    problems.append(f"{at('steps', sid, 'attach_to', i)}: chase step {sid!r} attaches to "
                                    f"{a!r}, which is not a step with tasks")
                elif step.on_timeout and isinstance(steps[a], dsl.TaskStep) and steps[a].each:
                    problems.append(f"{at('steps', sid, 'on_timeout')}: chase step {sid!r} has `on_timeout`, but "
                                    f"{a!r} has `each`: such a step closes by its `close_after`")
            for i, e in enumerate(step.escalate):
                if (p := check_actor(e.to, defn)):
                    problems.append(f"{at('steps', sid, 'escalate', i, 'to')}: {p}")
            if step.on_timeout and step.on_timeout.to and (p := check_actor(step.on_timeout.to, defn)):
                problems.append(f"{at('steps', sid, 'on_timeout', 'to')}: {p}")
            continue
        if isinstance(step, dsl.EndStep):
            for i, r in enumerate(step.rating.by if step.rating else []):  # 办结评价: who rates
                if (p := check_actor(r, defn)):
                    problems.append(f"{at('steps', sid, 'rating', 'by', i)}: {p}")
            continue
        for i, t in enumerate(step.next):
            target(t.to, "next", i)
            condition(t.when, "next", i, "when")
        if isinstance(step, dsl.TaskStep):
            for name, o in step.outcomes.items():
                for i, t in enumerate(o.next):
                    target(t.to, "outcomes", name, "next", i)
                    condition(t.when, "outcomes", name, "next", i, "when")
            if not step.next and not step.outcomes:
                problems.append(f"{at('steps', sid)}: step {sid!r} has no `next` and no `outcomes`")
                dead_ends.add(sid)
        elif not step.next:
            problems.append(f"{at('steps', sid)}: step {sid!r} has no `next`")
            dead_ends.add(sid)
        if isinstance(step, dsl.AutoStep) and step.action == "compute" and isinstance(step.params.get("expr"), str):
            condition(step.params["expr"], "params", "expr")  # a computed value reads like a condition
        if isinstance(step, dsl.ReviewStep):
            target(step.reject_to, "reject_to")
        if step.return_to:
            target(step.return_to, "return_to")
        if getattr(step, "circulated", None):
            target(step.circulated, "circulated")
        if step.split is not None and step.split.start and step.split.definition in (None, defn.id):
            target(step.split.start, "split", "start")  # a part of another definition: checked when it is split
        if isinstance(step, dsl.CirculateStep):
            for i, r in enumerate(step.to):
                if (p := check_actor(r, defn)):
                    problems.append(f"{at('steps', sid, 'to', i)}: {p}")
        for i, r in enumerate(getattr(step, "cc", None) or []):
            if (p := check_actor(r, defn)):
                problems.append(f"{at('steps', sid, 'cc', i)}: {p}")
        needs_actor = not isinstance(step, (dsl.CoHandleStep, dsl.AutoStep, dsl.CirculateStep)) and not (
            isinstance(step, dsl.TransferStep) and step.rules) and not (
            isinstance(step, dsl.TaskStep) and step.each and step.close_after is None)
        if isinstance(step, dsl.TaskStep) and step.each and step.close_after is not None and not step.actor:
            problems.append(f"{at('steps', sid)}: step {sid!r} closes after its deadline (`close_after`) and needs "
                            f"an `actor` to hold its closing time")
            needs_actor = False
        if isinstance(step, dsl.TaskStep) and step.appeal:
            for i, r in enumerate(step.appeal.reviewers):
                if (p := check_actor(r, defn)):
                    problems.append(f"{at('steps', sid, 'appeal', 'reviewers', i)}: {p}")
        for i, a in enumerate(step.allow or []):
            if a in ("appeal", "uphold", "adjust"):
                problems.append(f"{at('steps', sid, 'allow', i)}: {a!r} comes with `appeal:` on a step with `each`, "
                                f"not with `allow`")
            elif a == "calibrate" and "calibrate" not in step.hooks:
                problems.append(f"{at('steps', sid, 'allow', i)}: 'calibrate' needs a hook that records the change "
                                f"(hooks: {{calibrate: NAME}})")
        if needs_actor and not step.actor:
            problems.append(f"{at('steps', sid)}: step {sid!r} ({step.kind}) needs an `actor`")
        for key in ("actor", "extension_approver"):
            value = getattr(step, key)
            if value and (p := check_actor(value, defn)):
                problems.append(f"{at('steps', sid, key)}: {p}")
        if isinstance(step, dsl.CoHandleStep):
            for key in ("lead", "co"):
                if (p := check_actor(getattr(step, key), defn)):
                    problems.append(f"{at('steps', sid, key)}: {p}")
        if isinstance(step, dsl.TransferStep):
            for i, r in enumerate(step.rules):
                condition(r.when, "rules", i, "when")
                for key in ("to", "co"):
                    if getattr(r, key) and (p := check_actor(getattr(r, key), defn)):
                        problems.append(f"{at('steps', sid, 'rules', i, key)}: {p}")
        for key in ("deadline", "transfer_deadline"):
            d = getattr(step, key)
            if d and d.ref and d.ref.startswith("subject."):
                field = defn.fields.get(d.ref.split(".", 1)[1])
                if field is None or field.type not in ("date", "datetime"):
                    problems.append(f"{at('steps', sid, key)}: deadline {d.ref!r} is not a date or "
                                    f"date-time field of the subject")
    problems += chase_order_problems(defn, at) + default_from_problems(defn, located)
    if dangling or defn.start not in steps or isinstance(steps[defn.start], (dsl.ChaseStep, dsl.EndStep)):
        return problems  # with a broken start or a broken transition the graph checks below only echo it
    # reachability and a path to an end
    reachable, todo = set(), [defn.start]
    while todo:
        s = todo.pop()
        if s not in reachable:
            reachable.add(s)
            todo.extend(edges.get(s, ()))
    for sid, step in steps.items():
        if sid not in reachable and not isinstance(step, dsl.ChaseStep):
            problems.append(f"{at('steps', sid)}: step {sid!r} is unreachable from the start step {defn.start!r}")
    ends = {s for s, st in steps.items() if isinstance(st, dsl.EndStep)}
    if not ends:
        problems.append(f"{at('steps')}: the definition has no `end` step")
    can_end = ends | dead_ends
    changed = True
    while changed:
        changed = False
        for s, outs in edges.items():
            if s not in can_end and outs & can_end:
                can_end.add(s)
                changed = True
    for sid in sorted(reachable - can_end, key=lambda s: located.line(("steps", s))):
        if ends:
            problems.append(f"{at('steps', sid)}: step {sid!r} has no path to an end step")
    return problems
