"""Who may do what beyond a task's own actions: start which definitions, read the audit trail, administer the
site, and act on a task only in an item one may see (engine.actions decides the in-task rules)."""
from __future__ import annotations

from engine.reads import items as queries
from engine.core.model import Actor, ItemSnap
from engine.runtime.site import ActResult, Site
from engine.core.states import InputError, NotAllowed, NotFound
from engine.store import items as item_store
from engine.store.tables import Instance, Task

# Who starts which definition; a definition not listed here is started by admins only.
START_ROLES: dict[str, frozenset[str]] = {
    "directive": frozenset({"leader", "clerk"}),        # leaders issue directives, clerks register them
    "incoming_document": frozenset({"clerk"}),          # clerks register incoming documents
}
AUDIT_ROLES = frozenset({"auditor", "admin"})
ADMIN_ROLES = frozenset({"admin"})
T_ITEM, T_TASK = Instance.__table__, Task.__table__


def may_start(actor: Actor, definition: str) -> bool:
    """Admins start anything; others only the definitions their role registers."""
    return "admin" in actor.roles or bool(actor.roles & START_ROLES.get(definition, frozenset()))


def start_item(site: Site, definition: str, subject: dict, login: str) -> int:
    """Start an item as `login` if their role may: unknown definition → InputError, refused → NotAllowed."""
    actor = site.actor(login)
    if definition not in site.definitions():
        raise InputError("definition", f"没有流程定义“{definition}”", f"there is no definition {definition!r}")
    if not may_start(actor, definition):
        title = site.definition(definition).title
        raise NotAllowed(f"您无权发起“{title.zh}”", f"you may not start a '{title.en}'", {"definition": definition})
    return site.start(definition, subject, login)


def require(actor: Actor, roles: frozenset[str], zh: str, en: str) -> None:
    """Refuse (NotAllowed) unless the actor holds one of `roles`."""
    if not actor.roles & roles:
        raise NotAllowed(zh, en, {"roles": sorted(roles)})


def require_auditor(actor: Actor) -> None:
    require(actor, AUDIT_ROLES, "仅审计员和系统管理员可查看审计日志", "only auditors and administrators read the audit log")


def require_admin(actor: Actor) -> None:
    require(actor, ADMIN_ROLES, "仅系统管理员可执行此操作", "only an administrator may do this")


def act_as(site: Site, task_id: int, action: str, login: str, data: dict | None = None, *,
           expected_version: int | None = None) -> ActResult:
    """site.act, but a task in an item the caller may not see does not exist for them (NotFound). The check runs
    inside the action's transaction on the item it loads (Site.act's guard), so it costs no read of its own."""
    actor = site.actor(login)

    def visible(item: ItemSnap) -> None:
        if not queries.can_see(site, actor, item, item_store.confidential_of(item)):
            raise NotFound("没有这个任务", "no such task", {"task": task_id})

    return site.act(task_id, action, login, data, expected_version=expected_version, guard=visible)
