"""Who may do what: every role set of the site, and the one rule of who may see an item. Pure: the API, the
pages, the lists, the board, the exports and the appraisal all ask here, so a rule never has a second copy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from engine.core.model import Actor, ItemSnap
from engine.core.org import Holder, Org
from engine.core.states import NotAllowed

# Who starts which definition; a definition not listed here is started by admins only.
START_ROLES: dict[str, frozenset[str]] = {
    "directive": frozenset({"leader", "clerk"}),        # leaders issue directives, clerks register them
    "incoming_document": frozenset({"clerk"}),          # clerks register incoming documents
}
ADMIN_ROLES = frozenset({"admin"})                                       # administer the site
AUDIT_ROLES = frozenset({"auditor", "admin"})                            # read the audit trail
CHASE_ROLES = frozenset({"clerk", "leader", "office_director"})          # chase (催办) a task they do not hold
CIRCULATE_ROLES = frozenset({"leader", "office_director"})              # circulate an item for reading (传阅)
RECALL_CIRCULATION_ROLES = frozenset({"clerk", "office_director", "leader"})  # recall another's circulation
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


def involved(item: ItemSnap, extra: Iterable[Holder] = ()) -> tuple[set[str], set[str], set[str]]:
    """The units, people and roles an item involves: its initiator, every holder (readers of 阅件 and parties copied
    — 抄送 — included: they hold reading and copy tasks) and sender, the assignment;
    `extra`: holders of tasks being created in the same transaction (not yet in the snapshot)."""
    units, people, roles = set(), {item.initiator}, set()
    for h in [*(t.holder for t in item.tasks), *extra]:
        if h.unit:
            units.add(h.unit)
        if h.person:
            people.add(h.person)
        if h.role:
            roles.add(h.role)
    for t in item.tasks:
        if t.sender:
            people.add(t.sender)
    lead = (item.assignment.get("lead") or {}).get("unit")
    units.update([lead] if lead else [], item.assignment.get("co") or [])
    return units, people, roles


@dataclass(frozen=True)
class Party:
    """Someone whose involvement counts as the viewer's own: the viewer, and each person they stand in for now
    (代理, engine.core.proxies). A unit head's queue also holds the unit's tasks and its people's."""

    login: str
    unit: str | None
    roles: frozenset[str]
    queue_people: frozenset[str] | None = None  # a unit head: the unit's people (their tasks are in the queue)


@dataclass(frozen=True)
class Viewer:
    """What whether an actor sees an item depends on: their login, unit and roles, the people of their unit (an
    item involving one of them is seen by the unit unless confidential), whether a role sees every item, and the
    people they stand in for now (`acting_for`: an item involving one of those is seen as if it involved the
    viewer). `sees` and the store's SQL list filter (engine.store.lists.visible_clause) both decide from this; so do
    `in_queue` and the store's task-queue filter (engine.store.lists.task_refs)."""

    login: str
    unit: str | None
    roles: frozenset[str]
    unit_people: frozenset[str]
    sees_all: bool
    acting_for: tuple[Party, ...] = ()
    queue_people: frozenset[str] | None = None

    @property
    def parties(self) -> tuple[Party, ...]:
        """The viewer first, then whoever they stand in for."""
        return (Party(self.login, self.unit, self.roles, self.queue_people), *self.acting_for)


def unit_people(org: Org, actor: Actor) -> frozenset[str]:
    """The logins of the actor's unit (the actor included)."""
    return frozenset(p.login for p in org.people.values() if p.unit == actor.unit) | {actor.login}


def task_queue_people(org: Org, actor: Actor) -> list[str] | None:
    """Whose tasks a person's task list also shows: a unit head sees the unit's queue and its people's tasks;
    None for everyone else (only their own and their roles')."""
    return sorted(unit_people(org, actor)) if "unit_head" in actor.roles else None


def party(org: Org, actor: Actor) -> Party:
    members = task_queue_people(org, actor)
    return Party(actor.login, actor.unit, frozenset(actor.roles), frozenset(members) if members is not None else None)


def viewer(org: Org, actor: Actor, acting_for: Iterable[str] = ()) -> Viewer:
    """The actor as a viewer; `acting_for`: the logins they stand in for now (engine.core.proxies.acting_for).
    A person no longer in the organisation (disabled) lends nobody their view."""
    me = party(org, actor)
    others = tuple(party(org, Actor(p.login, p.unit, p.roles)) for p in
                   (org.people.get(login) for login in sorted(set(acting_for)) if login != actor.login) if p)
    return Viewer(actor.login, actor.unit, me.roles, unit_people(org, actor), bool(actor.roles & SEE_ALL_ROLES),
                  others, me.queue_people)


def involves(p: Party, units: set[str], people: set[str], roles: set[str]) -> bool:
    """The party is involved: named as a person (initiator, holder, sender), their unit holds a task or is in
    the assignment, or one of their roles holds a task."""
    return p.login in people or p.unit in units or bool(p.roles & roles)


def sees(v: Viewer, item: ItemSnap, confidential: bool, extra: Iterable[Holder] = ()) -> bool:
    """THE rule. Confidential items: only the people, units and roles involved (the viewer's own, or those of
    someone they stand in for). Others: also the units of the people involved, and the roles that see every item.
    `extra`: holders of tasks being created in the same transaction (policy.involved)."""
    units, people, roles = involved(item, extra)
    if any(involves(p, units, people, roles) for p in v.parties):
        return True
    if confidential:
        return False
    return bool(people & v.unit_people) or v.sees_all


def can_see(org: Org, actor: Actor, item: ItemSnap, confidential: bool, acting_for: Iterable[str] = ()) -> bool:
    """`sees` for an actor (standing in for `acting_for` now)."""
    return sees(viewer(org, actor, acting_for), item, confidential)


def queues(p: Party, holder: Holder) -> bool:
    """A task held by `holder` is in the party's queue: their own, their roles', and for a unit head the unit's
    own queue (held by the unit, not yet by a person) and the tasks of its people."""
    if holder.person == p.login or (holder.role is not None and holder.role in p.roles):
        return True
    if p.queue_people is None:
        return False
    return (holder.unit == p.unit and holder.person is None) or holder.person in p.queue_people


UNQUEUED_KINDS = frozenset({"cc"})  # a copy (抄送) is no task of anyone's 我的待办, only the item's visibility


def queued_kind(kind: str) -> bool:
    """Whether tasks of this kind go on 我的待办 (all but copies); engine.store.lists filters the same way."""
    return kind not in UNQUEUED_KINDS


def in_queue(v: Viewer, holder: Holder) -> bool:
    """A task is in the viewer's 我的待办 when it is in their queue or in that of someone they stand in for (and,
    the caller checks, its item passes `sees`)."""
    return any(queues(p, holder) for p in v.parties)


def stood_in_for(v: Viewer, holder: Holder) -> str | None:
    """Whom a task in the viewer's queue is there for: None when it is the viewer's own, else the login of the
    first person they stand in for whose queue holds it (shown as 代 on the task)."""
    if queues(v.parties[0], holder):
        return None
    return next((p.login for p in v.acting_for if queues(p, holder)), None)


# attachments (附件): the office (besides the uploader) may remove a file with a reason
FILE_OFFICE_ROLES = frozenset({"clerk", "office_director", "admin"})


def may_upload(v: Viewer, item: ItemSnap, confidential: bool) -> bool:
    """Who may add a file to an item: whoever sees it (`sees`, the one rule) and is involved in it — named on it,
    their unit or role holding a task, or standing in for someone who is — or whose role acts on any item they see
    (a leader's instruction, a clerk's chase: CHASE_ROLES). Reading a file is exactly seeing its item."""
    if not sees(v, item, confidential):
        return False
    units, people, roles = involved(item)
    return any(involves(p, units, people, roles) for p in v.parties) or bool(v.roles & CHASE_ROLES)


def may_remove_file(v: Viewer, item: ItemSnap, confidential: bool, uploaded_by: str) -> bool:
    """Who may remove (hide) a file: its uploader, or the office (FILE_OFFICE_ROLES), if they see the item."""
    return sees(v, item, confidential) and (v.login == uploaded_by or bool(v.roles & FILE_OFFICE_ROLES))
