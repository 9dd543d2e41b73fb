"""Who is appraised in a cycle and by whom: everyone with a role category that has a scheme; supervisors (the unit
head rates their staff, the office director rates unit heads, a leader rates the office director); peers suggested
from co-handling history; and the engine lists the cycle's steps fan out over."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from engine.appraisal import store
from engine.appraisal.metrics import attribute
from engine.appraisal.schemes import Scheme
from engine.store.db import Connection
from engine.core.org import Org


def supervisor_of(org: Org, login: str) -> str | None:
    """The unit head rates their staff; the office director rates unit heads; a leader rates the office director."""
    p = org.people[login]
    head = org.head_of(p.unit)
    if head and head != login:
        return head
    director = next((x for x in org.with_role("office_director") if x != login), None)
    if director and "office_director" not in p.roles:
        return director
    return next((x for x in org.with_role("leader") if x != login), None)


def attribution(org: Org) -> dict:
    """What task attribution needs, frozen with the cycle: unit heads, and roles that have exactly one holder."""
    sole = {}
    for role in sorted({r for p in org.people.values() for r in p.roles}):
        holders = org.with_role(role)
        if len(holders) == 1:
            sole[role] = holders[0]
    return {"heads": {u.id: u.head for u in org.units.values() if u.head}, "sole": sole}


def co_handling_counts(conn: Connection, start: datetime, end: datetime, settings: dict) -> Counter:
    """How many items each pair of people handled together (lead and co-handling tasks) in the period."""
    rows = store.co_handling_tasks(conn=conn, start=start, end=end)
    by_item: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        who = attribute(r.person, r.unit, r.role, r.closed_by, settings["heads"], settings["sole"])
        if who:
            by_item[r.instance_id].add(who)
    pairs: Counter = Counter()
    for people in by_item.values():
        for a in people:
            for b in people:
                if a != b:
                    pairs[(a, b)] += 1
    return pairs


def members(org: Org, schemes: dict[str, Scheme], pairs: Counter) -> list[dict]:
    """Member rows: everyone whose category has a scheme, with their supervisor and suggested peers (those they
    co-handled with most, neither their supervisor nor someone they supervise, at most the scheme's max_raters)."""
    logins = sorted(p.login for p in org.people.values() if p.category in schemes)
    sup = {x: supervisor_of(org, x) for x in logins}
    out = []
    for x in logins:
        p = org.people[x]
        scheme = schemes[p.category]
        wants_peers = scheme.raters.get("peers", 0) > 0 or any(
            (scheme.raters_of(d).get("peers", 0) > 0) for d in scheme.dimensions.values() if d.ratings)
        candidates = sorted(((n, y) for (a, y), n in pairs.items() if a == x and y in sup and y != sup[x]
                             and sup.get(y) != x), key=lambda t: (-t[0], t[1]))
        peers = [y for _, y in candidates][:scheme.peers.max_raters] if wants_peers else []
        out.append({"login": x, "name_zh": p.name_zh, "name_en": p.name_en, "unit": p.unit, "category": p.category,
                    "supervisor": sup[x], "peers": peers})
    return out


# ---------------------------------------------------------------- the cycle's engine lists

def _fields(scheme: Scheme, relation: str) -> list[dict]:
    """The rating fields a rater of this relation fills in: the rated dimensions where the relation weighs."""
    out = []
    for key, d in scheme.dimensions.items():
        if d.ratings and scheme.raters_of(d).get(relation, 0) > 0:
            out.append({"name": key, "type": "number", "required": True, "min": d.ratings.scale.min,
                        "max": d.ratings.scale.max,
                        "label": {"zh": f"{d.name.zh}（{d.ratings.scale.min:g}–{d.ratings.scale.max:g}）",
                                  "en": f"{d.name.en} ({d.ratings.scale.min:g}–{d.ratings.scale.max:g})"}})
    return out


def entries(conn: Connection, item: Any, which: str) -> list[dict]:
    """The entries of appraisal.people / supervisor_pairs / peer_pairs / results for the cycle run by `item`."""
    cycle = store.cycle(conn=conn, instance_id=item.id)
    schemes = store.frozen_schemes(cycle)
    rows = store.members(conn=conn, cycle_id=cycle.id)
    out = []
    for m in rows:
        base = {"cycle": cycle.id, "ratee": m.login, "ratee_name": m.name_zh, "category": m.category}
        s = schemes[m.category]
        if which == "people":
            out.append({"holder": {"person": m.login},
                        "data": {**base, "relation": "self", "fields": _fields(s, "self")}})
        elif which == "supervisor_pairs" and m.supervisor:
            out.append({"holder": {"person": m.supervisor},
                        "data": {**base, "relation": "supervisor", "fields": _fields(s, "supervisor")}})
        elif which == "peer_pairs":
            out += [{"holder": {"person": y}, "data": {**base, "relation": "peer", "fields": _fields(s, "peers")}}
                    for y in m.peers or []]
        elif which == "results":
            raters = ([m.supervisor] if m.supervisor else []) + list(m.peers or [])
            out.append({"holder": {"person": m.login}, "data": {**base, "raters": raters}})
    return out
