"""Actor expressions in a definition (role:NAME, unit:NAME[/head], person:LOGIN, initiator, subject.FIELD, ...):
the one check the graph checks and the API use, over the one grammar (engine.core.org.parse_actor)."""
from __future__ import annotations

from engine.core import dsl
from engine.core.org import parse_actor


def check_actor(actor: str, defn: dsl.Definition) -> str | None:
    """Return a problem with an actor expression, or None."""
    try:
        e = parse_actor(actor)
    except ValueError as err:
        return str(err)
    if e.kind == "subject":
        ftype = {k: f.type for k, f in defn.fields.items()}.get(e.name)
        if ftype is None:
            return f"actor {actor!r} names no field of the subject"
        if ftype not in ("unit", "person", "units"):
            return f"actor {actor!r}: field {e.name!r} is {ftype}, not a unit or a person"
    return None
