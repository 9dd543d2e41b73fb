"""One workflow definition: YAML text -> validated dsl.Definition, or DefinitionError with every problem as
`file:line: message` (pydantic errors in plain words, then bounds, then the graph and actor checks)."""
from __future__ import annotations

import difflib
import hashlib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from engine.core import dsl
from engine.core.states import DefinitionError
from engine.parser.graph import graph_problems
from engine.parser.positions import GaveUp, GiveUp, Located, ask, line_key

MAX_STEPS = 500
MAX_DAYS = 3660  # ten years, in days or working days
MAX_HOURS = MAX_DAYS * 24


KNOWN_KEYS = sorted({k for c in vars(dsl).values() if isinstance(c, type) and issubclass(c, dsl.Strict)
                     for k in c.model_fields})


def _members(loc: tuple, located: Located) -> list[int]:
    """Positions in a pydantic loc that name a union member (`literal['all','any']`, `Quorum`), not a key."""
    out, path = [], ()
    for i, part in enumerate(loc):
        if path + (part,) in located.lines:
            path = path + (part,)
        elif isinstance(part, str) and ("[" in part or part[:1].isupper()):
            out.append(i)
    return out


def prune_unions(errors: list[dict], located: Located) -> list[dict]:
    """For a value that fits none of a union's members, keep the member it came closest to (the one whose
    errors go deeper into the value, else the first: one problem, not one per member); drop member names."""
    out: list[dict] = []
    groups: dict[tuple, list[tuple[bool, dict]]] = {}
    for err in errors:
        members = _members(err["loc"], located)
        if not members:
            out.append(err)
            continue
        loc = tuple(p for i, p in enumerate(err["loc"]) if i not in members)
        deeper = len(err["loc"]) > members[0] + 1
        groups.setdefault(err["loc"][:members[0]], []).append((deeper, {**err, "loc": loc}))
    for errs in groups.values():
        out.extend([e for deeper, e in errs if deeper] or [errs[0][1]])
    return out


PLAIN = {  # pydantic error types in plain words
    "int_parsing": "should be a whole number", "int_type": "should be a whole number",
    "int_from_float": "should be a whole number", "float_parsing": "should be a number",
    "float_type": "should be a number", "bool_parsing": "should be true or false",
    "bool_type": "should be true or false", "string_type": "should be text",
    "dict_type": "should be a mapping (key: value lines)", "model_type": "should be a mapping (key: value lines)",
    "model_attributes_type": "should be a mapping (key: value lines)", "list_type": "should be a list",
    "greater_than_equal": "should be at least {ge}", "greater_than": "should be more than {gt}",
}


def words(err: dict) -> str:
    """A pydantic error in plain words."""
    t, loc, msg = err["type"], err["loc"], err["msg"]
    name = str(loc[-1]) if loc else "document"
    value = err.get("input")
    if t == "union_tag_invalid":
        tag = value.get("kind") if isinstance(value, dict) else None
        return f"unknown step kind {tag!r}; known kinds: {', '.join(dsl.STEP_KINDS)}"
    if t == "union_tag_not_found":
        return f"step {loc[-1]!r} has no `kind`; known kinds: {', '.join(dsl.STEP_KINDS)}"
    if t == "extra_forbidden":
        close = difflib.get_close_matches(name, KNOWN_KEYS, n=1, cutoff=0.75)
        return f"unknown key {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if t == "missing":
        if len(loc) == 4 and loc[0] == "steps" and loc[2] in dsl.STEP_KINDS:
            return f"step {loc[1]!r} ({loc[2]}) needs `{name}`"
        return f"the definition needs `{name}`" if len(loc) == 1 else f"{name!r} is required"
    if t == "literal_error":
        return f"{name!r}: {msg.replace('Input should be', 'should be')}, got {value!r}"
    if t in ("value_error", "assertion_error"):
        return re.sub(r"^(Value|Assertion) error, ", "", msg)
    if t in PLAIN:
        return f"{name!r} {PLAIN[t].format(**err.get('ctx', {}))}, got {value!r}"
    return f"{name!r}: {msg[0].lower() + msg[1:]}"


def _error_loc(err: dict) -> tuple:
    """Where to point for an error: an unknown step kind at its `kind:` line."""
    return err["loc"] + ("kind",) if err["type"] == "union_tag_invalid" else err["loc"]


def bound_problems(defn: dsl.Definition, located: Located) -> list[str]:
    """Sizes the engine refuses to work with: too many steps, durations beyond ten years."""
    problems: list[str] = []
    if len(defn.steps) > MAX_STEPS:
        problems.append(f"{located.at('steps')}: {len(defn.steps):,} steps; a definition may have at most {MAX_STEPS}")

    def walk(value: Any, path: tuple) -> None:
        if isinstance(value, dsl.Duration):
            days = value.unit in ("working_days", "days")
            if value.amount > (MAX_DAYS if days else MAX_HOURS):
                limit = f"{MAX_DAYS} days" if days else f"{MAX_HOURS} hours"
                problems.append(f"{located.at(*path)}: {value} is too long: at most {limit} (ten years)")
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name), path + (name,))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, (list, tuple)):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    walk(defn, ())
    return problems


def parse_definition(text: str | bytes, filename: str = "<definition>", *,
                     give_up: GiveUp | None = None) -> dsl.Definition:
    """Parse and check one definition; raise DefinitionError listing every problem found. `give_up` (asked now
    and then while the text is read, and between the checks) bounds the work: when it gives a reason the work
    stops and that reason is the one problem."""
    try:
        located = Located(text, filename, give_up)
        return check_definition(located, give_up)
    except GaveUp as e:
        raise DefinitionError([f"{filename}:1: {e.reason}"]) from None


def check_definition(located: Located, give_up: GiveUp | None = None) -> dsl.Definition:
    """The definition in located data; raise DefinitionError listing every problem found."""
    filename = located.filename
    problems = list(located.problems)
    if located.data is None and not problems:
        problems.append(f"{filename}:1: the file is empty")
    if problems:
        raise DefinitionError(problems)
    if not isinstance(located.data, dict):
        raise DefinitionError([f"{filename}:{located.line(())}: a definition is a mapping with id, version, "
                               f"title, steps"])
    steps = located.data.get("steps")
    if isinstance(steps, dict) and len(steps) > MAX_STEPS:
        raise DefinitionError([f"{located.at('steps')}: {len(steps):,} steps; a definition may have at most "
                               f"{MAX_STEPS}"])
    ask(give_up)
    try:
        defn = dsl.Definition.model_validate(located.data)
    except ValidationError as e:
        raise DefinitionError(sorted(
            {f"{filename}:{located.line(_error_loc(err))}: {words(err)}"
             for err in prune_unions(e.errors(), located)},
            key=line_key)) from None
    ask(give_up)
    problems = bound_problems(defn, located)
    if problems:
        raise DefinitionError(problems)
    ask(give_up)
    problems = graph_problems(defn, located)
    if problems:
        raise DefinitionError(sorted(dict.fromkeys(problems), key=line_key))
    return defn


def content_hash(text: str) -> str:
    """Short sha256 of a definition's text (a changed text under the same version is refused)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
