"""The organisation as pure data: units, people, roles, role categories; who an actor expression names."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.core.dsl import ROLES


@dataclass(frozen=True)
class Unit:
    id: str
    name_zh: str
    name_en: str
    head: str | None = None  # login of the unit head


@dataclass(frozen=True)
class Person:
    login: str
    name_zh: str
    unit: str
    roles: frozenset[str]
    category: str | None = None  # role category for appraisal (分类考核)
    name_en: str = ""


@dataclass(frozen=True)
class Holder:
    """Who holds a task: one person, a unit (its head acts for it) or everyone with a role."""

    person: str | None = None
    unit: str | None = None
    role: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("person", self.person), ("unit", self.unit), ("role", self.role)) if v}


@dataclass
class Org:
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    categories: dict[str, tuple[str, str]] = field(default_factory=dict)

    def head_of(self, unit: str) -> str | None:
        u = self.units.get(unit)
        return u.head if u else None

    def with_role(self, role: str) -> list[str]:
        return sorted(p.login for p in self.people.values() if role in p.roles)

    def logins_of(self, holder: Holder) -> list[str]:
        """The people who receive a holder's notifications."""
        if holder.person:
            return [holder.person]
        if holder.unit:
            head = self.head_of(holder.unit)
            return [head] if head else []
        if holder.role:
            return self.with_role(holder.role)
        return []

    def holds(self, login: str, holder: Holder) -> bool:
        """May `login` act on a task held by `holder`? Unit heads act for their unit and its people."""
        p = self.people.get(login)
        if p is None:
            return False
        if holder.person:
            if holder.person == login:
                return True
            other = self.people.get(holder.person)
            return other is not None and other.unit == p.unit and "unit_head" in p.roles
        if holder.unit:
            return holder.unit == p.unit and "unit_head" in p.roles
        if holder.role:
            return holder.role in p.roles
        return False

    def holder_name(self, holder: Holder, lang: str = "zh") -> str:
        if holder.person:
            p = self.people.get(holder.person)
            return (p.name_en or p.login if lang.startswith("en") else p.name_zh) if p else holder.person
        if holder.unit:
            u = self.units.get(holder.unit)
            return (u.name_en if lang.startswith("en") else u.name_zh) if u else holder.unit
        if holder.role:
            zh, en = ROLES.get(holder.role, (holder.role, holder.role))
            return en if lang.startswith("en") else zh
        return "-"

    def person_name(self, login: str, lang: str = "zh") -> str:
        """A person's display name in the language (the login when the person is unknown)."""
        return self.holder_name(Holder(person=login), lang)

    def unit_names(self, units: list[str], lang: str = "zh") -> str:
        """Units by their display names, joined in the language's way ("" for none)."""
        return ("、" if not lang.startswith("en") else ", ").join(self.holder_name(Holder(unit=u), lang) for u in units)

    def target(self, value: str) -> Holder:
        """A unit code or a person's login as a holder (what `assign`/`transfer` pick)."""
        if value in self.units:
            return Holder(unit=value)
        if value in self.people:
            return Holder(person=value)
        raise KeyError(value)


ACTOR_FORMS = ("role:NAME, unit:NAME, unit:NAME/head, person:LOGIN, initiator, initiator.unit_head, subject.FIELD "
               "or assignment.lead")
_ACTOR = re.compile(r"role:(?P<role>\S+)|unit:(?P<unit>[a-z][a-z0-9_]*)(?P<unit_head>/head)?"
                    r"|person:(?P<person>[\w.\-]+)"
                    r"|subject\.(?P<field>[a-z_][a-z0-9_]*)(?P<field_head>\.head)?"
                    r"|(?P<fixed>initiator|initiator\.unit_head|assignment\.lead|assignment\.co)")


@dataclass(frozen=True)
class ActorExpr:
    """An actor expression, parsed: `kind` is role, unit, person, subject or the fixed expression itself
    (initiator, initiator.unit_head, assignment.lead, assignment.co); `name` the role, unit, login or field."""

    kind: str
    name: str | None = None
    head: bool = False  # unit:NAME/head, subject.FIELD.head


def parse_actor(text: str) -> ActorExpr:
    """The one actor grammar (the parser checks definitions with it, `resolve` reads it); ValueError says what is
    wrong."""
    m = _ACTOR.fullmatch(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"actor {text!r} is not understood; write {ACTOR_FORMS}")
    if m["role"] is not None:
        if m["role"] not in ROLES:
            raise ValueError(f"unknown role {m['role']!r}; known roles: {', '.join(ROLES)}")
        return ActorExpr("role", m["role"])
    if m["unit"] is not None:
        return ActorExpr("unit", m["unit"], bool(m["unit_head"]))
    if m["person"] is not None:
        return ActorExpr("person", m["person"])
    if m["field"] is not None:
        return ActorExpr("subject", m["field"], bool(m["field_head"]))
    return ActorExpr(m["fixed"])


def resolve(actor: str, *, org: Org, subject: dict, assignment: dict, initiator: str | None) -> list[Holder]:
    """Who an actor expression names, as holders (a list: `assignment.co` names several units)."""
    e = parse_actor(actor)
    if e.kind == "role":
        return [Holder(role=e.name)]
    if e.kind == "person":
        return [Holder(person=e.name)]
    if e.kind == "unit":
        head = org.head_of(e.name) if e.head else None
        return [Holder(person=head)] if head else [Holder(unit=e.name)]
    if e.kind == "initiator":
        return [Holder(person=initiator)] if initiator else []
    if e.kind == "initiator.unit_head":
        p = org.people.get(initiator or "")
        head = org.head_of(p.unit) if p else None
        return [Holder(person=head)] if head else []
    if e.kind == "assignment.lead":
        lead = assignment.get("lead")
        return [Holder(**lead)] if lead else []
    if e.kind == "assignment.co":
        return [Holder(unit=u) for u in assignment.get("co") or []]
    value: Any = subject.get(e.name)
    values = value if isinstance(value, list) else ([value] if value else [])
    out = []
    for v in values:
        if e.head and v in org.units:
            head = org.head_of(v)
            out.append(Holder(person=head) if head else Holder(unit=v))
        elif v in org.units:
            out.append(Holder(unit=v))
        else:
            out.append(Holder(person=v))
    return out


def org_from_data(data: dict) -> Org:
    """Build an Org from the YAML shape of definitions/org.demo.yaml."""
    org = Org()
    for cid, c in (data.get("categories") or {}).items():
        org.categories[cid] = (c["zh"], c["en"])
    heads: dict[str, str] = {}
    for p in data.get("people") or []:
        roles = frozenset(p.get("roles") or ["staff"])
        for r in roles:
            if r not in ROLES:
                raise ValueError(f"person {p['login']}: unknown role {r!r}")
        org.people[p["login"]] = Person(p["login"], p["name"], p["unit"], roles, p.get("category"),
                                        p.get("name_en", ""))
        if "unit_head" in roles:
            heads[p["unit"]] = min(heads.get(p["unit"], p["login"]), p["login"])  # several: the first login
    for uid, u in (data.get("units") or {}).items():
        org.units[uid] = Unit(uid, u["zh"], u["en"], heads.get(uid))
    for p in org.people.values():
        if p.unit not in org.units:
            raise ValueError(f"person {p.login}: unknown unit {p.unit!r}")
    return org
