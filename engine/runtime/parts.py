"""任务分解 at run time: open a part (a NewChild effect of the `split` action) as a child item of its own in the
parent's transaction — its serial under the parent's (督〔2026〕15-1号), its subject from the part and the parent,
already assigned to the part's lead and entering the split rule's `start` step — and load an item's parts for the
core (the completion guard, the split's numbering)."""
from __future__ import annotations

from typing import Any

from engine.core import machine, search as search_rules
from engine.core.codec import to_json
from engine.core.fields import check_subject
from engine.core.model import Effect, Event, ItemSnap, NewChild
from engine.core.org import Holder
from engine.core.states import InputError, ItemState
from engine.store import items as item_store, parts as part_store, search as search_store
from engine.store.db import Connection


def with_parts(conn: Connection, item: ItemSnap) -> ItemSnap:
    """The item with its parts loaded (item.children), for an action that may split it or complete it."""
    item.children = part_store.children_of(conn=conn, parent_id=item.id)
    return item


def part_subject(defn: Any, parent: ItemSnap, e: NewChild, org: Any) -> dict:
    """The part's subject: the parent's, with the part's title, instruction, lead unit, co units and due date in
    the fields the definition's assign step proposes them from (prefill), checked like a registration's."""
    subject = {k: v for k, v in parent.subject.items() if k in defn.fields}
    subject[defn.title_field] = e.title
    if e.instruction and "instruction" in defn.fields:
        subject["instruction"] = e.instruction
    names = {"lead": "lead_unit", "co": "co_units", "due": "due"}
    for step in defn.steps.values():
        prefill = getattr(step, "prefill", None)
        if prefill is not None:
            for k in names:
                ref = getattr(prefill, k) or ""
                if ref.startswith("subject."):
                    names[k] = ref.removeprefix("subject.")
            break
    lead_unit = e.lead.unit or (org.people[e.lead.person].unit if e.lead.person in org.people else None)
    for k, v in (("lead", lead_unit), ("co", e.co), ("due", e.due)):
        if names[k] in defn.fields:
            subject[names[k]] = v
    try:
        return check_subject(defn.fields, to_json(subject), org=org)
    except InputError as err:
        zh, en = (m.removeprefix(f"{err.field}: ") for m in (err.zh, err.en))
        raise InputError(f"parts.{err.field}", f"第 {e.no} 项：{zh}", f"part {e.no}: {en}") from None


def open_child(site: Any, conn: Connection, parent: ItemSnap, e: NewChild, actor: str | None,
               ctx: machine.Ctx) -> tuple[ItemSnap, list[Effect], dict]:
    """Insert the part's row; returns its snapshot, the effects that enter its first step (engine.runtime.apply
    writes them) and the parent's audit row naming the part opened."""
    defn = site.definition(e.definition) if e.definition and e.definition != parent.definition.id \
        else parent.definition
    start = e.start or defn.start
    if start not in defn.steps:
        raise InputError("parts", f"分解事项的起始环节“{start}”不存在", f"the parts' start step {start!r} does not exist")
    clean = part_subject(defn, parent, e, site.org)
    confidential = bool(clean.get(defn.confidential_field)) if defn.confidential_field else False
    year = site.cal.local_date(ctx.now).year
    serial = f"{item_store.serial_of(conn=conn, item=parent).removesuffix('号')}-{e.no}号"
    initiator = actor or parent.initiator
    iid = item_store.insert_item(conn=conn, row=dict(
        definition_key=defn.id, definition_version=defn.version, serial_year=year,
        serial_no=part_store.next_part_serial(conn=conn, key=defn.id, year=year), serial=serial, title=e.title,
        subject=to_json(clean), state=ItemState.running, assignment={}, initiator=initiator,
        confidential=confidential,
        created_at=ctx.now, version=1, parent_id=parent.id, depth=parent.depth + 1))
    search_store.index_item(conn=conn, item_id=iid, serial=serial, title=e.title, subject=clean,
                            searched=search_rules.text_fields(defn.fields), title_field=defn.title_field, at=ctx.now)
    child = ItemSnap(id=iid, definition=defn, subject=clean, state=ItemState.running, assignment={},
                     initiator=initiator, current_step=None, tasks=[], title=e.title, depth=parent.depth + 1)
    child._serial = serial  # type: ignore[attr-defined]
    child._confidential = confidential  # type: ignore[attr-defined]
    psn = item_store.serial_of(conn=conn, item=parent)
    effects = [Event("start", f"由{psn}《{parent.title}》分解而来：第 {e.no} 项",
                     f"Part {e.no} of {psn} '{parent.title}'", data={"parent": parent.id, "no": e.no})]
    effects += machine.set_assignment(child, lead=e.lead, co=[Holder(unit=u) for u in e.co], due=e.due)
    if e.weight is not None:
        child.assignment = {**child.assignment, "weight": e.weight}
        effects[-1].changes["assignment"] = child.assignment
    effects += machine.enter(child, start, ctx, sender=initiator)
    lead = site.org.holder_name(e.lead)
    return child, effects, dict(instance_id=parent.id, task_id=None, at=ctx.now, actor=actor, kind="part_opened",
                message_zh=f"分解事项 {serial}《{e.title}》已交 {lead} 办理",
                message_en=f"part {serial} '{e.title}' opened for {site.org.holder_name(e.lead, 'en')}",
                data={"child": iid, "serial": serial, "no": e.no})

