"""Commands with the caller's rights checked (engine.core.policy decides): start an item as a person, act on a task
only in an item one may see."""
from __future__ import annotations

from typing import Any, Callable

from engine.core import policy
from engine.core.assignment import check_proposal
from engine.core.fields import check_subject
from engine.core.model import Actor, ItemSnap
from engine.runtime.commands import ActResult
from engine.runtime.site import Site
from engine.core.states import InputError, NotAllowed, NotFound
from engine.store import items as item_store
from engine.store.db import Connection



def start_item(site: Site, definition: str, subject: dict, login: str, attachments: tuple[int, ...] = ()) -> int:
    """Start an item as `login` if their role may: unknown definition → InputError, refused → NotAllowed; a subject
    whose assignment the assign step would refuse → InputError naming the field."""
    actor = site.actor(login)
    if definition not in site.definitions():
        raise InputError("definition", f"没有流程定义“{definition}”", f"there is no definition {definition!r}")
    if not policy.may_start(actor, definition):
        title = site.definition(definition).title
        raise NotAllowed(f"您无权发起“{title.zh}”", f"you may not start a '{title.en}'", {"definition": definition})
    # refuse now what the assign step would refuse later (a lead also co-handling, a past due), in its words: the
    # one check of engine.core.assignment, for the API and the form alike
    defn = site.definition(definition)
    check_proposal(defn, check_subject(defn.fields, subject, org=site.org), site.org,
                   site.cal.local_date(site.clock.now()))
    return site.start(definition, subject, login, attachments=tuple(attachments))


def act_as(site: Site, task_id: int, action: str, login: str, data: dict | None = None, *,
           expected_version: int | None = None, answer: Callable[[Connection, int, Actor], Any] | None = None
           ) -> ActResult:
    """site.act, but a task in an item the caller may not see does not exist for them (NotFound). The check runs
    inside the action's transaction on the item it loads (Site.act's guard), so it costs no read of its own. The
    caller acts also for the people they stand in for now (代理), read in the same transaction. `answer`: see
    engine.runtime.commands.act."""

    def visible(item: ItemSnap, actor: Actor) -> None:
        if not policy.sees(policy.viewer(site.org, actor, actor.acting_for), item, item_store.confidential_of(item)):
            raise NotFound("没有这个任务", "no such task", {"task": task_id})

    return site.act(task_id, action, login, data, expected_version=expected_version, guard=visible,
                    acting_for=None, answer=answer)
