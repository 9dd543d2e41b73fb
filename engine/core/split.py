"""任务分解 (splitting an item into parts), the rules in one place: the parts a split takes and their bounds, who may
split and how deep, the roll-up of the parts onto the item (progress, earliest due date, worst card), and the guard
that keeps the lead from completing while a part is still open. Pure: the runtime loads the parts (ChildSnap)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.core.fields import coerce
from engine.core.limits import MAX_PARTS
from engine.core.states import Card, InputError, ItemState, NotAllowed, Part

MAX_DEPTH = 3   # an item's parts are at depth 1; a part of a part of a part (depth 3) is split no further
PART_KEYS = ("title", "lead", "co", "due", "instruction", "weight")
CARD_RANK = {Card.none: 0, Card.yellow: 1, Card.red: 2}


@dataclass
class ChildSnap:
    """A part as its parent sees it."""

    id: int
    serial: str
    title: str
    state: ItemState
    lead_unit: str | None
    due_at: datetime | None
    progress_percent: int | None
    card: Card
    weight: float | None = None
    current_step: str | None = None
    lead: dict | None = None  # the assignment's lead: {"unit": ...} or {"person": ...}


def parts_value(value: Any, name: str) -> list[dict]:
    """The `parts` of a split, each checked by the one coercer: [{title, lead, co?, due, instruction?, weight?}],
    1 to MAX_PARTS of them; InputError naming the part and its field (parts[2].due)."""
    if not isinstance(value, list) or not value:
        raise InputError(name, "请至少填写一项分解事项", "give at least one part")
    if len(value) > MAX_PARTS:
        raise InputError(name, f"一次最多分解为 {MAX_PARTS} 项（收到 {len(value)} 项）",
                         f"at most {MAX_PARTS} parts in one split (got {len(value)})")
    out = []
    for i, part in enumerate(value, 1):
        at = f"{name}[{i}]"
        if not isinstance(part, dict):
            raise InputError(at, "每一项应为 {title, lead, co, due, instruction, weight}",
                             "each part is {title, lead, co, due, instruction, weight}")
        extra = sorted(set(part) - set(PART_KEYS))
        if extra:
            raise InputError(f"{at}.{extra[0]}", f"分解事项没有“{extra[0]}”一栏", f"a part has no field {extra[0]!r}")
        clean: dict = {}
        for key, type_, required, zh in (("title", "text", True, "事项"), ("lead", "unit_or_person", True, "主办单位"),
                                         ("co", "units", False, None), ("due", "date", True, "办理时限"),
                                         ("instruction", "long_text", False, None), ("weight", "number", False, None)):
            v = part.get(key)
            if v is None or v == "" or v == []:
                if required:
                    raise InputError(f"{at}.{key}", f"第 {i} 项请填写{zh}", f"part {i}: {key} is required")
                continue
            clean[key] = coerce(type_, v, f"{at}.{key}", low=0.01 if key == "weight" else None,
                                high=1000 if key == "weight" else None)
        out.append(clean)
    return out


def may_split(item: Any, task: Any, step: Any) -> bool:
    """The step has a split rule, the task is its lead's (or the assign step's own) and the item is not too deep."""
    return getattr(step, "split", None) is not None and item.depth < MAX_DEPTH and \
        (task.part in (Part.lead, Part.single)) and getattr(step, "kind", "") in ("co_handle", "assign", "task")


def check_depth(item: Any) -> None:
    if item.depth >= MAX_DEPTH:
        raise NotAllowed(f"分解已达 {MAX_DEPTH} 层，不能再分解", f"parts are nested {MAX_DEPTH} deep: split no further",
                         {"depth": item.depth})


def check_part_dates(parts: list[dict], today: date, limit: date | None) -> None:
    """No part is due before today, nor after the item's own due date (`limit`)."""
    for i, p in enumerate(parts, 1):
        if p["due"] < today:
            raise InputError(f"parts[{i}].due", f"第 {i} 项的办理时限不能早于今天",
                             f"part {i}: the due date cannot be in the past")
        if limit is not None and p["due"] > limit:
            raise InputError(f"parts[{i}].due", f"第 {i} 项的办理时限不能晚于本事项的时限 {limit}",
                             f"part {i}: due after this item's own due date {limit}")


def open_parts(children: list[ChildSnap]) -> list[ChildSnap]:
    return [c for c in children if c.state == ItemState.running]


def rollup(children: list[ChildSnap]) -> dict | None:
    """The parts rolled up onto their item: progress (the mean of the parts' own, weighted when parts carry a
    weight; a completed part counts 100, a cancelled one not at all), the earliest due date of an open part, the
    worst card, and how many parts are open and closed. None without parts."""
    if not children:
        return None
    counted = [c for c in children if c.state != ItemState.cancelled]
    weights = [c.weight if c.weight is not None else 1.0 for c in counted]
    done = [100 if c.state != ItemState.running else (c.progress_percent or 0) for c in counted]
    total = sum(weights)
    progress = round(sum(w * p for w, p in zip(weights, done)) / total) if total else 0
    running = open_parts(children)
    dues = [c.due_at for c in running if c.due_at is not None]
    card = max((c.card for c in running), key=lambda k: CARD_RANK[k], default=Card.none)
    return {"parts": len(children), "open": len(running), "closed": len(children) - len(running),
            "progress": progress, "weighted": any(c.weight is not None for c in counted),
            "earliest_due": min(dues) if dues else None, "worst_card": card.value}


def completion_guard(step: Any, children: list[ChildSnap] | None) -> None:
    """The lead may not complete while a part is open, unless the step's split rule says so; the refusal names the
    open parts by serial and title."""
    rule = getattr(step, "split", None)
    if rule is not None and rule.complete_before_children:
        return
    still = open_parts(children or [])
    if not still:
        return
    zh = "、".join(f"{c.serial}《{c.title}》" for c in still[:10]) + (" 等" if len(still) > 10 else "")
    en = ", ".join(f"{c.serial} '{c.title}'" for c in still[:10]) + (" and more" if len(still) > 10 else "")
    raise NotAllowed(f"还有 {len(still)} 项分解事项未办结，不能办结：{zh}",
                     f"{len(still)} part(s) still open, so this cannot be completed yet: {en}",
                     {"open_parts": [c.id for c in still]})
