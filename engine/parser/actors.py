"""Actor expressions in a definition (role:NAME, unit:NAME[/head], person:LOGIN, initiator, subject.FIELD, ...):
the one check the graph checks and the API use."""
from __future__ import annotations

import re

from engine.core import dsl


def check_actor(actor: str, defn: dsl.Definition) -> str | None:
    """Return a problem with an actor expression, or None."""
    fields = {k: f.type for k, f in defn.fields.items()}
    if actor.startswith("role:"):
        role = actor[5:]
        if role not in dsl.ROLES:
            return f"unknown role {role!r}; known roles: {', '.join(dsl.ROLES)}"
        return None
    if re.fullmatch(r"unit:[a-z][a-z0-9_]*(/head)?", actor) or re.fullmatch(r"person:[\w.\-]+", actor):
        return None
    if actor in ("initiator", "initiator.unit_head", "assignment.lead", "assignment.co"):
        return None
    m = re.fullmatch(r"subject\.([a-z_][a-z0-9_]*)(\.head)?", actor)
    if m:
        ftype = fields.get(m.group(1))
        if ftype is None:
            return f"actor {actor!r} names no field of the subject"
        if ftype not in ("unit", "person", "units"):
            return f"actor {actor!r}: field {m.group(1)!r} is {ftype}, not a unit or a person"
        return None
    return (f"actor {actor!r} is not understood; write role:NAME, unit:NAME, unit:NAME/head, "
            f"person:LOGIN, initiator, initiator.unit_head, subject.FIELD or assignment.lead")
