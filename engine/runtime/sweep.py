"""The timer sweep: claim → core → apply, one write path for every timer kind.

A batch of due timers is claimed (engine.store.timers), the core says which still apply (after a jump of the clock
only the newest message per task and kind goes out) and what each does (engine.core.timers.fire), and the same
`apply` as people's actions writes it; the batch's rows go out together. One failing timer is logged, retried later
and never stops the rest."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.core import checkpoints, timers
from engine.core.model import ItemSnap
from engine.core.states import OPEN_TASK_STATES, ItemState, TaskKind
from engine.runtime.apply import Writes, apply
from engine.runtime.site import Site
from engine.store import db, inbox, items as item_store, timers as timer_store
from engine.store.db import Connection

log = logging.getLogger("duban.sweep")
RETRY_FAILED = 3


@dataclass
class Fired:
    timer_id: int
    task_id: int
    instance_id: int
    kind: str
    seq: int
    recipients: list[str]


@dataclass
class SweepResult:
    fired: list[Fired] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    stale: int = 0  # timers of tasks already closed: marked cancelled, nothing sent
    superseded: int = 0  # older messages of a task beside a newer one of the same kind (after a jump): not sent


def sweep(site: Site, *, now: datetime | None = None, batch_size: int = 500) -> SweepResult:
    """Fire every pending timer due at `now` (default: the site clock); return what fired."""
    now = now or site.clock.now()
    result = SweepResult()
    while True:
        with db.write(site.eng) as conn:
            rows = timer_store.claim(conn=conn, now=now, limit=batch_size)
            if not rows:
                break
            batch = Writes(inbox.digest_people(conn=conn))
            claimed = {r.task_id for r in rows}
            items = item_store.load_items(conn=conn, item_ids={r.instance_id for r in rows},
                                          definition_of=site.definition, task_ids=claimed)
            tasks = {t.id: t for it in items.values() for t in it.tasks}
            live = [t for t in rows if _open(items.get(t.instance_id), tasks.get(t.task_id))]
            alive = {t.id for t in live}
            closed = [t.id for t in rows if t.id not in alive]
            keep, stale = timers.current(live, tasks, now)
            timer_store.set_states(conn=conn, ids=[t.id for t in stale], state="superseded")
            result.superseded += len(stale)
            ctx = site.ctx(now, conn)
            for t in keep:
                item = items[t.instance_id]
                if not _open(item, tasks.get(t.task_id)):  # closed by a timeout fired earlier in this batch
                    closed.append(t.id)
                    continue
                try:
                    if t.kind == "timeout":  # the machine acts on the whole item; its writes roll back alone
                        whole = item_store.load_items(conn=conn, item_ids={item.id}, definition_of=site.definition)
                        with conn.begin_nested():
                            recipients = _fire(site, conn, batch, t, whole[item.id], ctx)
                        items.update(item_store.load_items(conn=conn, item_ids={item.id},
                                                           definition_of=site.definition, task_ids=claimed))
                        tasks.update({x.id: x for x in items[item.id].tasks})
                    else:  # bookkeeping and messages only: collected, written with the batch
                        recipients = _fire(site, conn, batch, t, item, ctx)
                except Exception as e:  # one failing timer is logged and never stops the rest
                    log.exception("timer %s (%s) failed", t.id, t.key)
                    result.failed.append((t.id, str(e)))
                    retry = t.attempts + 1 < RETRY_FAILED
                    timer_store.failed(conn=conn, timer_id=t.id, attempts=t.attempts + 1, error=str(e),
                                       retry_at=now + timedelta(minutes=5 * (t.attempts + 1)) if retry else None)
                    continue
                result.fired.append(Fired(t.id, t.task_id, t.instance_id, t.kind, t.seq, recipients))
            timer_store.set_states(conn=conn, ids=closed, state="cancelled")
            result.stale += len(closed)
            batch.flush(site, conn, now)
    return result


def _open(item: ItemSnap | None, task: Any) -> bool:
    return item is not None and task is not None and task.state in OPEN_TASK_STATES \
        and (item.state == ItemState.running or task.kind == TaskKind.rating)  # 办结评价 waits on a closed item


def _fire(site: Site, conn: Connection, batch: Writes, t: Any, item: ItemSnap, ctx: Any) -> list[str]:
    """One timer: the core's effects, applied; its rows join `batch` only if it all went well. Returns the people
    told."""
    task = item.task(t.task_id)
    effects = (checkpoints.fire if t.kind in checkpoints.KINDS else timers.fire)(t, item, task, ctx)
    one = Writes(batch.digest_people)
    if t.kind == "timeout":
        apply(site, conn, item, effects, None, ctx, writes=one)
    else:  # no version bump: a chase or a card leaves the holder's open form valid
        apply(site, conn, item, effects, None, ctx, bump=False, writes=one)
    batch.merge(one)
    return list(dict.fromkeys(one.told))
