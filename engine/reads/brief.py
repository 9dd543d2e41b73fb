"""The lean answer of a write (issue 17, `?return=minimal`): after an action, the acted task and its item as a few
fields and the item's open tasks, instead of the whole item view (timeline, entries, files, circulation, the
actions of every task). It costs the item's two snapshot queries and the one visibility rule; the full item is one
GET away (`links`, and the response's `Location`)."""
from __future__ import annotations

from typing import Callable

from engine.core import policy
from engine.core.model import Actor, ItemSnap
from engine.core.states import OPEN_TASK_STATES, NotFound
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import db, items as item_store
from engine.store.db import Connection

API = "/api/v1"


def task_brief(t) -> dict:  # noqa: ANN001  (a TaskSnap)
    return {"id": t.id, "step": t.step, "kind": t.kind.value, "part": t.part.value, "state": t.state.value,
            "holder": t.holder.as_dict(), "version": t.version, "due_at": t.due_at}


def item_brief(item: ItemSnap, *, open_only: bool = True) -> dict:
    """The item's id, state, step and version, and its open tasks (or all its tasks)."""
    tasks = [t for t in item.tasks if t.state in OPEN_TASK_STATES] if open_only else item.tasks
    return {"id": item.id, "state": item.state.value, "current_step": item.current_step, "version": item.version,
            "tasks": [task_brief(t) for t in tasks], "links": {"self": f"{API}/instances/{item.id}"}}


def after_action(site: Site, *, task_id: int, item_id: int, login: str) -> dict:
    """{"task": the acted task (brief) or None, "item": the item brief} as `login` sees them now; NotFound when the
    action left the item out of their sight (the same answer as a GET would give)."""
    with db.read(site.eng) as conn:
        said = _answer(site, conn, task_id, item_id, proxies.viewer(site, login, conn))
    return seen(said, item_id)


def in_action(site: Site, task_id: int) -> Callable[[Connection, int, Actor], dict | None]:
    """`after_action`'s answer read inside the action's own transaction (engine.runtime.commands.act's `answer`):
    the item as written, seen by the actor with the proxies the action read; no transaction of its own. None when
    the action left the item out of their sight: the action stands, `seen` then answers NotFound."""
    def answer(conn: Connection, item_id: int, actor: Actor) -> dict | None:
        return _answer(site, conn, task_id, item_id, policy.viewer(site.org, actor, actor.acting_for))
    return answer


def seen(said: dict | None, item_id: int) -> dict:
    """The answer, or NotFound when the item is out of the caller's sight (the same answer as a GET would give)."""
    if said is None:
        raise NotFound("没有这个事项", "no such item", {"instance": item_id})
    return said


def _answer(site: Site, conn: Connection, task_id: int, item_id: int, viewer: policy.Viewer) -> dict | None:
    item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition)
    if not policy.sees(viewer, item, item_store.confidential_of(item)):
        return None
    task = next((task_brief(t) for t in item.tasks if t.id == task_id), None)
    return {"task": task, "item": item_brief(item)}


def after_start(site: Site, *, item_id: int, login: str) -> dict:
    """The brief of a just-started item as its initiator sees it."""
    return after_action(site, task_id=0, item_id=item_id, login=login)["item"]
