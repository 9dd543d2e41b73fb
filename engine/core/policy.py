"""Who may do what: every role set of the site, and the one rule of who may see an item. Pure: the API, the
pages, the lists, the board, the exports and the appraisal all ask here, so a rule never has a second copy."""
from __future__ import annotations

from dataclasses import dataclass

from engine.core.model import Actor, ItemSnap
from engine.core.org import Org
from engine.core.states import NotAllowed

# Who starts which definition; a definition not listed here is started by admins only.
START_ROLES: dict[str, frozenset[str]] = {
    "directive": frozenset({"leader", "clerk"}),        # leaders issue directives, clerks register them
    "incoming_document": frozenset({"clerk"}),          # clerks register incoming documents
}
ADMIN_ROLES = frozenset({"admin"})                                       # administer the site
AUDIT_ROLES = frozenset({"auditor", "admin"})                            # read the audit trail
CHASE_ROLES = frozenset({"clerk", "leader", "office_director"})          # chase (催办) a task they do not hold
SUPERVISE_ROLES = frozenset({"leader", "office_director", "clerk", "admin", "auditor"})  # the board and ledger
SEE_ALL_ROLES = frozenset({"admin", "auditor", "leader", "office_director", "clerk"})   # every non-confidential item
DEFINE_ROLES = frozenset({"admin", "office_director"})  # author definitions: check YAML before it is deployed
CALIBRATE_ROLES = frozenset({"office_director", "admin", "leader", "auditor"})  # every appraisal result, calibration


def may_start(actor: Actor, definition: str) -> bool:
    """Admins start anything; others only the definitions their role registers."""
    return "admin" in actor.roles or bool(actor.roles & START_ROLES.get(definition, frozenset()))


def require(actor: Actor, roles: frozenset[str], zh: str, en: str) -> None:
    """Refuse (NotAllowed) unless the actor holds one of `roles`."""
    if not actor.roles & roles:
        raise NotAllowed(zh, en, {"roles": sorted(roles)})


def require_auditor(actor: Actor) -> None:
    require(actor, AUDIT_ROLES, "仅审计员和系统管理员可查看审计日志", "only auditors and administrators read the audit log")


def require_admin(actor: Actor) -> None:
    require(actor, ADMIN_ROLES, "仅系统管理员可执行此操作", "only an administrator may do this")


def require_definer(actor: Actor) -> None:
    require(actor, DEFINE_ROLES, "仅系统管理员和办公室主任可检查流程定义",
            "only administrators and the office director check workflow definitions")


def may_supervise(actor: Actor) -> bool:
    """Leaders, the office director, clerks (and admins, auditors) see the board and the ledger."""
    return bool(actor.roles & SUPERVISE_ROLES)


def require_supervisor(actor: Actor) -> None:
    require(actor, SUPERVISE_ROLES, "仅领导、办公室主任和督办员可查看督办看板",
            "only leaders, the office director and clerks see the supervision board")


def may_calibrate(actor: Actor) -> bool:
    return bool(actor.roles & CALIBRATE_ROLES)


def involved(item: ItemSnap) -> tuple[set[str], set[str], set[str]]:
    """The units, people and roles an item involves: its initiator, every holder and sender, the assignment."""
    units, people, roles = set(), {item.initiator}, set()
    for t in item.tasks:
        if t.holder.unit:
            units.add(t.holder.unit)
        if t.holder.person:
            people.add(t.holder.person)
        if t.holder.role:
            roles.add(t.holder.role)
        if t.sender:
            people.add(t.sender)
    lead = (item.assignment.get("lead") or {}).get("unit")
    units.update([lead] if lead else [], item.assignment.get("co") or [])
    return units, people, roles


@dataclass(frozen=True)
class Viewer:
    """What whether an actor sees an item depends on: their login, unit and roles, the people of their unit (an
    item involving one of them is seen by the unit unless confidential), and whether a role sees every item.
    can_see and the store's SQL list filter (engine.store.lists.visible_clause) both decide from this."""

    login: str
    unit: str | None
    roles: frozenset[str]
    unit_people: frozenset[str]
    sees_all: bool


def unit_people(org: Org, actor: Actor) -> frozenset[str]:
    """The logins of the actor's unit (the actor included)."""
    return frozenset(p.login for p in org.people.values() if p.unit == actor.unit) | {actor.login}


def task_queue_people(org: Org, actor: Actor) -> list[str] | None:
    """Whose tasks a person's task list also shows: a unit head sees the unit's queue and its people's tasks;
    None for everyone else (only their own and their roles')."""
    return sorted(unit_people(org, actor)) if "unit_head" in actor.roles else None


def viewer(org: Org, actor: Actor) -> Viewer:
    return Viewer(actor.login, actor.unit, frozenset(actor.roles), unit_people(org, actor),
                  bool(actor.roles & SEE_ALL_ROLES))


def can_see(org: Org, actor: Actor, item: ItemSnap, confidential: bool) -> bool:
    """Confidential items: only the people, units and roles involved. Others: also the units of the people
    involved, and the roles that see every item."""
    v = viewer(org, actor)
    units, people, roles = involved(item)
    if v.login in people or v.unit in units or v.roles & roles:
        return True
    if confidential:
        return False
    return bool(people & v.unit_people) or v.sees_all
