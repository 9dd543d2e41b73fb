"""Checkpoint facts of open items for the traffic light (engine.core.lights) and the pages: per item, the earliest
milestone (节点) overdue and not done, and the last report window (定期反馈) missed without a report since. The
rule is engine.core.checkpoint_facts.facts; this module only loads the items."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Iterable

from engine.core import checkpoint_facts, checkpoints
from engine.core.states import ItemState
from engine.store import db, items as item_store

LOAD_BATCH = 2000  # items loaded a query (the board's lights may ask for every running item of a large site)


def missed(site: Any, item_ids: Iterable[int], now: datetime, *, loaded: dict[int, Any] | None = None,
           memo: dict | None = None) -> dict[int, dict[str, str | date | None]]:
    """{item_id: {"milestone": title | None, "report": date | None}} for the running items among `item_ids`
    (items closed or unknown are left out). `loaded`: their snapshots (engine.store.items.load_items) when the
    caller has them, else they are read here; a running item the caller left out of `loaded` is not answered for
    (the ledger leaves out those engine.core.checkpoint_facts.may_miss clears: nothing missed); `memo`: see
    engine.core.checkpoint_facts.facts."""
    ids = set(item_ids)
    if not ids:
        return {}
    if loaded is not None:
        return {i: checkpoint_facts.facts(it, now, site.cal, memo) for i, it in loaded.items()
                if i in ids and it.state == ItemState.running}
    memo, out, order = {} if memo is None else memo, {}, sorted(ids)
    with db.read(site.eng) as conn:
        for k in range(0, len(order), LOAD_BATCH):  # PostgreSQL takes at most 65,535 parameters a query
            batch = item_store.load_items(conn=conn, item_ids=set(order[k:k + LOAD_BATCH]),
                                          definition_of=site.definition)
            out.update((i, checkpoint_facts.facts(it, now, site.cal, memo)) for i, it in batch.items()
                       if it.state == ItemState.running)
    return out


def milestones(site: Any, item: Any, now: datetime) -> list[dict]:
    """The item's milestones with their state at `now` (done / missed / due), for the item page."""
    return checkpoints.milestone_states(item, now, site.cal)


def states_of_view(site: Any, view: dict) -> list[dict]:
    """The milestones of an item view (engine.reads.items.item_view) with their state now, for the item page."""
    shell = SimpleNamespace(assignment=view.get("assignment") or {}, subject=view.get("subject") or {})
    return checkpoints.milestone_states(shell, site.clock.now(), site.cal)  # type: ignore[arg-type]


def report_prompts(site: Any, tasks: list[dict], now: datetime, items: dict | None = None) -> list[dict]:
    """定期反馈 on 我的待办: of the listed open tasks, those whose holder is asked for a progress report now (today's
    window, or a missed one): [{"task_id", "item_id", "serial", "title", "day", "missed"}]. `items`: the tasks'
    item snapshots when the caller has read them already (engine.reads.lists.task_rows), else they are read here."""
    open_ids = {t["instance_id"] for t in tasks if t.get("state") in ("pending", "active") and t.get("kind") == "work"}
    if not open_ids:
        return []
    if items is None:
        with db.read(site.eng) as conn:
            items = item_store.load_items(conn=conn, item_ids=open_ids, definition_of=site.definition,
                                          task_ids={t["id"] for t in tasks})
    out = []
    for t in tasks:
        item = items.get(t["instance_id"])
        if item is None or item.state != ItemState.running or t["instance_id"] not in open_ids:
            continue
        snap = next((x for x in item.tasks if x.id == t["id"]), None)
        due = checkpoint_facts.report_due(item, snap, now, site.cal) if snap is not None else None
        if due:
            out.append({"task_id": t["id"], "item_id": item.id, "serial": t.get("serial"), "title": item.title,
                        **due})
    return out
