"""Opening an item, at the edge: as a reader it records 已阅 through the engine's write path (传阅), as the holder
of a work task it records that they have opened it (after which the sender can no longer recall it, 撤回). The item
page's GET calls `mark_read` and `mark_opened` explicitly (a GET that records a read is what the office asked for);
both are idempotent: a task already read or opened, recalled, or not the caller's changes nothing."""
from __future__ import annotations

from engine.core import policy
from engine.core.actions import routing
from engine.runtime.apply import apply
from engine.core.states import Conflict, NotAllowed, NotFound, OPEN_TASK_STATES, TaskKind
from engine.runtime import permissions, proxies
from engine.runtime.site import Site
from engine.store import db, items as item_store


def unread(site: Site, login: str, item_id: int) -> list[int]:
    """The open reading tasks (阅件) of the item in `login`'s own queue (not those of people they stand in for:
    opening an item for oneself is no read on someone else's behalf)."""
    with db.read(site.eng) as conn:
        item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition)
        v = policy.viewer(site.org, proxies.actor(site, login, conn))
    return [t.id for t in item.tasks if t.kind == TaskKind.reading and t.state in OPEN_TASK_STATES
            and policy.queues(v.parties[0], t.holder)]


def mark_read(site: Site, login: str, task_id: int) -> bool:
    """Record 已阅 on a reading task as `login` (audited, with the time, the next reader of a sequential
    circulation following); False when there was nothing to record (already read, recalled, not theirs)."""
    try:
        permissions.act_as(site, task_id, "read", login)
    except (NotAllowed, Conflict, NotFound):
        return False
    return True


def read_on_opening(site: Site, login: str, item_id: int) -> list[int]:
    """Mark read every unread reading task of the item that `login` holds; the ids read now."""
    return [t for t in unread(site, login, item_id) if mark_read(site, login, t)]


def unopened(site: Site, login: str, item_id: int) -> list[int]:
    """The open work tasks of the item in `login`'s own queue not yet marked opened."""
    with db.read(site.eng) as conn:
        item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition)
        v = policy.viewer(site.org, proxies.actor(site, login, conn))
    return [t.id for t in item.tasks if t.kind == TaskKind.work and t.state in OPEN_TASK_STATES
            and not t.data.get("opened_at") and policy.queues(v.parties[0], t.holder)]


def mark_opened(site: Site, login: str, item_id: int) -> int:
    """Record, in one transaction, that `login` opened the item on each of their unopened work tasks of it;
    returns how many were marked (0 when there was nothing to record: no write at all)."""
    if not unopened(site, login, item_id):
        return 0
    actor = site.actor(login)
    with db.write(site.eng) as conn:
        item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition, for_update=True)
        v = policy.viewer(site.org, actor)
        todo = [t for t in item.tasks if t.kind == TaskKind.work and t.state in OPEN_TASK_STATES
                and not t.data.get("opened_at") and policy.queues(v.parties[0], t.holder)]
        ctx = site.ctx(conn=conn)
        effects = [e for t in todo for e in routing.opened(item, t, actor, ctx)]
        if effects:
            apply(site, conn, item, effects, login, ctx, bump=False)
    return len(todo)
