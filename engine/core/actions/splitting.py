"""Handler of 任务分解: the lead of a step with a `split` rule (or the office director at assign) splits the item into
parts, each opened as a child item of its own (a NewChild effect, opened by engine.runtime.parts in the same
transaction) with its own serial (督〔2026〕15-1号), tasks, chases and cards. The task stays open: the lead
supervises the parts and completes when they are closed (engine.core.split.completion_guard)."""
from __future__ import annotations

from engine.core import split as rules
from engine.core.actions.common import event, target, units
from engine.core.assignment import check_assignment
from engine.core.machine import when_of
from engine.core.model import Effect, NewChild
from engine.core.states import InputError, NotAllowed


def do_split(item, task, actor, data, ctx):
    step = item.definition.steps[task.step]
    rule = step.split
    if rule is None:
        raise NotAllowed("该环节不能分解", "this step may not be split", {"action": "split"})
    rules.check_depth(item)
    parts = data["parts"]
    if len(parts) > rule.max_parts:
        raise InputError("parts", f"该环节一次最多分解为 {rule.max_parts} 项（收到 {len(parts)} 项）",
                         f"this step splits into at most {rule.max_parts} parts (got {len(parts)})")
    today = ctx.cal.local_date(ctx.now)
    due = when_of(item.assignment.get("due"), ctx.cal)
    rules.check_part_dates(parts, today, ctx.cal.local_date(due) if due else None)
    before = len(item.children or [])
    made: list[Effect] = []
    for i, p in enumerate(parts, 1):
        lead = target(p["lead"], ctx, f"parts[{i}].lead")
        co = units(p.get("co") or [], ctx, f"parts[{i}].co")
        check_assignment(lead, co, None, today, co_field=f"parts[{i}].co")
        made.append(NewChild(no=before + i, title=p["title"], lead=lead, co=co, due=p["due"],
                             instruction=p.get("instruction"), weight=p.get("weight"),
                             definition=rule.definition, start=rule.start))
    zh = "；".join(f"{c.title}（{ctx.org.holder_name(c.lead)}，{c.due}）" for c in made)
    en = "; ".join(f"{c.title} ({ctx.org.holder_name(c.lead, 'en')}, {c.due})" for c in made)
    return [event("split", task, actor, ctx, f"将事项分解为 {len(made)} 项：{zh}", f"split it into {len(made)} parts: {en}",
                  parts=[{"no": c.no, "title": c.title, "lead": c.lead.as_dict(), "co": c.co, "due": str(c.due),
                          "weight": c.weight} for c in made])] + made


HANDLERS = {"split": do_split}
