"""YAML -> validated Definition: positions kept, graph checks, every problem as `file:line: message`."""
from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from engine.core import dsl, expr
from engine.core.org import parse_actor
from engine.core.states import DefinitionError

Path_ = tuple  # a path into the YAML document: ("steps", "assign", "actor")


class _AliasLoop(Exception):
    def __init__(self, line: int, what: str = "refers to itself through a YAML alias"):
        super().__init__(what)
        self.line, self.what = line, what


class Located:
    """YAML text turned into plain data plus a map from each path to its line (1-based)."""

    def __init__(self, text: str, filename: str):
        self.filename = filename
        self.lines: dict[Path_, int] = {}
        self.problems: list[str] = []
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            mark, opened = getattr(e, "problem_mark", None), getattr(e, "context_mark", None)
            line = mark.line + 1 if mark else 1
            problem = getattr(e, "problem", None) or str(e)
            if opened and "flow" in (getattr(e, "context", None) or "") and opened.line + 1 < line:
                # an unclosed { or [: point where it was opened, not where the parser gave up
                bracket = opened.buffer[opened.pointer]
                self.problems.append(f"{filename}:{opened.line + 1}: not valid YAML: the {bracket} opened here "
                                     f"is not closed ({problem} on line {line})")
            else:
                hint = " (check the indentation)" if "block" in problem or "mapping values" in problem else ""
                self.problems.append(f"{filename}:{line}: not valid YAML{hint}: {problem}")
            self.data = None
            return
        try:
            self.data = self._build(node, ()) if node is not None else None
        except _AliasLoop as e:
            self.problems.append(f"{filename}:{e.line}: the document {e.what}")
            self.data = None

    MAX_NODES = 100_000  # aliases may expand a small file into a huge one ("billion laughs")

    def _build(self, node: yaml.Node, path: Path_, seen: tuple = ()) -> Any:
        if id(node) in seen:
            raise _AliasLoop(node.start_mark.line + 1)
        self._count = getattr(self, "_count", 0) + 1
        if self._count > self.MAX_NODES:
            raise _AliasLoop(node.start_mark.line + 1, "expands beyond 100,000 values (YAML aliases?)")
        seen = seen + (id(node),)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                if key in out:
                    self.problems.append(
                        f"{self.filename}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                        f"(first at line {self.lines[path + (key,)]})")
                    continue
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, path + (key,), seen)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(v, path + (i,), seen) for i, v in enumerate(node.value)]
        return _scalar(node)

    def line(self, loc: tuple) -> int:
        """The line of the deepest known path along `loc` (pydantic adds tags, which are skipped)."""
        path: Path_ = ()
        for part in loc:
            if path + (part,) in self.lines:
                path = path + (part,)
        return self.lines.get(path, 1)


def _scalar(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


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


def _prune_unions(errors: list[dict], located: Located) -> list[dict]:
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


def _words(err: dict) -> str:
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


def _kinds_of_fields(defn: dsl.Definition) -> dict[str, str]:
    return {k: f.type for k, f in defn.fields.items()}


def check_actor(actor: str, defn: dsl.Definition) -> str | None:
    """Return a problem with an actor expression (the one grammar: engine.core.org.parse_actor), or None."""
    try:
        e = parse_actor(actor)
    except ValueError as err:
        return str(err)
    if e.kind == "subject":
        ftype = _kinds_of_fields(defn).get(e.name)
        if ftype is None:
            return f"actor {actor!r} names no field of the subject"
        if ftype not in ("unit", "person", "units"):
            return f"actor {actor!r}: field {e.name!r} is {ftype}, not a unit or a person"
    return None


def _graph_problems(defn: dsl.Definition, located: Located) -> list[str]:
    f = located.filename
    problems: list[str] = []

    def at(*path: Any) -> str:
        return f"{f}:{located.line(path)}"

    steps = defn.steps
    if defn.start not in steps:
        problems.append(f"{at('start')}: start step {defn.start!r} does not exist")
    elif isinstance(steps[defn.start], (dsl.ChaseStep, dsl.EndStep)):
        problems.append(f"{at('start')}: the start step {defn.start!r} cannot be "
                        f"{'an end' if steps[defn.start].kind == 'end' else 'a chase'} step")
    if defn.title_field not in defn.fields:
        problems.append(f"{at('title_field') if 'title_field' in defn.model_fields_set else at('fields')}: "
                        f"the subject needs a field {defn.title_field!r} for the item's title")
    roots = {"subject", "input", "assignment", "actor"}
    edges: dict[str, set[str]] = {}
    dangling: list[str] = []  # transitions to a missing or chase step
    dead_ends: set[str] = set()  # steps without `next`, reported once above, not again below
    for sid, step in steps.items():
        edges[sid] = set()

        def target(to: str, *path: Any) -> None:
            if to not in steps or isinstance(steps[to], dsl.ChaseStep):
                dangling.append(to)
            if to not in steps:
                problems.append(f"{at('steps', sid, *path)}: step {sid!r} goes to {to!r}, which does not exist")
            elif isinstance(steps[to], dsl.ChaseStep):
                problems.append(f"{at('steps', sid, *path)}: step {sid!r} goes to chase step {to!r}; "
                                f"chase steps attach to other steps and are never entered")
            else:
                edges[sid].add(to)

        def condition(text: str | None, *path: Any) -> None:
            if text:
                try:
                    expr.check(text, roots)
                except expr.ExprError as e:
                    problems.append(f"{at('steps', sid, *path)}: {e}")

        if isinstance(step, dsl.ChaseStep):
            for i, a in enumerate(step.attach_to):
                if a not in steps or isinstance(steps[a], (dsl.ChaseStep, dsl.EndStep, dsl.AutoStep)):
                    problems.append(f"{at('steps', sid, 'attach_to', i)}: chase step {sid!r} attaches to "
                                    f"{a!r}, which is not a step with tasks")
                elif step.on_timeout and isinstance(steps[a], dsl.TaskStep) and steps[a].each:
                    problems.append(f"{at('steps', sid, 'on_timeout')}: chase step {sid!r} has `on_timeout`, but "
                                    f"{a!r} has `each`: such a step closes by its `close_after`")
            for i, e in enumerate(step.escalate):
                if (p := check_actor(e.to, defn)):
                    problems.append(f"{at('steps', sid, 'escalate', i, 'to')}: {p}")
            if step.on_timeout and step.on_timeout.to and (p := check_actor(step.on_timeout.to, defn)):
                problems.append(f"{at('steps', sid, 'on_timeout', 'to')}: {p}")
            continue
        if isinstance(step, dsl.EndStep):
            continue
        for i, t in enumerate(step.next):
            target(t.to, "next", i)
            condition(t.when, "next", i, "when")
        if isinstance(step, dsl.TaskStep):
            for name, o in step.outcomes.items():
                for i, t in enumerate(o.next):
                    target(t.to, "outcomes", name, "next", i)
                    condition(t.when, "outcomes", name, "next", i, "when")
            if not step.next and not step.outcomes:
                problems.append(f"{at('steps', sid)}: step {sid!r} has no `next` and no `outcomes`")
                dead_ends.add(sid)
        elif not step.next:
            problems.append(f"{at('steps', sid)}: step {sid!r} has no `next`")
            dead_ends.add(sid)
        if isinstance(step, dsl.ReviewStep):
            target(step.reject_to, "reject_to")
        if step.return_to:
            target(step.return_to, "return_to")
        needs_actor = not isinstance(step, (dsl.CoHandleStep, dsl.AutoStep)) and not (
            isinstance(step, dsl.TransferStep) and step.rules) and not (
            isinstance(step, dsl.TaskStep) and step.each and step.close_after is None)
        if isinstance(step, dsl.TaskStep) and step.each and step.close_after is not None and not step.actor:
            problems.append(f"{at('steps', sid)}: step {sid!r} closes after its deadline (`close_after`) and needs "
                            f"an `actor` to hold its closing time")
            needs_actor = False
        if isinstance(step, dsl.TaskStep) and step.appeal:
            for i, r in enumerate(step.appeal.reviewers):
                if (p := check_actor(r, defn)):
                    problems.append(f"{at('steps', sid, 'appeal', 'reviewers', i)}: {p}")
        for i, a in enumerate(step.allow or []):
            if a in ("appeal", "uphold", "adjust"):
                problems.append(f"{at('steps', sid, 'allow', i)}: {a!r} comes with `appeal:` on a step with `each`, "
                                f"not with `allow`")
            elif a == "calibrate" and "calibrate" not in step.hooks:
                problems.append(f"{at('steps', sid, 'allow', i)}: 'calibrate' needs a hook that records the change "
                                f"(hooks: {{calibrate: NAME}})")
        if needs_actor and not step.actor:
            problems.append(f"{at('steps', sid)}: step {sid!r} ({step.kind}) needs an `actor`")
        for key in ("actor", "extension_approver"):
            value = getattr(step, key)
            if value and (p := check_actor(value, defn)):
                problems.append(f"{at('steps', sid, key)}: {p}")
        if isinstance(step, dsl.CoHandleStep):
            for key in ("lead", "co"):
                if (p := check_actor(getattr(step, key), defn)):
                    problems.append(f"{at('steps', sid, key)}: {p}")
        if isinstance(step, dsl.TransferStep):
            for i, r in enumerate(step.rules):
                condition(r.when, "rules", i, "when")
                for key in ("to", "co"):
                    if getattr(r, key) and (p := check_actor(getattr(r, key), defn)):
                        problems.append(f"{at('steps', sid, 'rules', i, key)}: {p}")
        for key in ("deadline", "transfer_deadline"):
            d = getattr(step, key)
            if d and d.ref and d.ref.startswith("subject."):
                field = defn.fields.get(d.ref.split(".", 1)[1])
                if field is None or field.type not in ("date", "datetime"):
                    problems.append(f"{at('steps', sid, key)}: deadline {d.ref!r} is not a date or "
                                    f"date-time field of the subject")
    if dangling or defn.start not in steps or isinstance(steps[defn.start], (dsl.ChaseStep, dsl.EndStep)):
        return problems  # with a broken start or a broken transition the graph checks below only echo it
    # reachability and a path to an end
    reachable, todo = set(), [defn.start]
    while todo:
        s = todo.pop()
        if s not in reachable:
            reachable.add(s)
            todo.extend(edges.get(s, ()))
    for sid, step in steps.items():
        if sid not in reachable and not isinstance(step, dsl.ChaseStep):
            problems.append(f"{at('steps', sid)}: step {sid!r} is unreachable from the start step {defn.start!r}")
    ends = {s for s, st in steps.items() if isinstance(st, dsl.EndStep)}
    if not ends:
        problems.append(f"{at('steps')}: the definition has no `end` step")
    can_end = ends | dead_ends
    changed = True
    while changed:
        changed = False
        for s, outs in edges.items():
            if s not in can_end and outs & can_end:
                can_end.add(s)
                changed = True
    for sid in sorted(reachable - can_end, key=lambda s: located.line(("steps", s))):
        if ends:
            problems.append(f"{at('steps', sid)}: step {sid!r} has no path to an end step")
    return problems


def parse_definition(text: str, filename: str = "<definition>") -> dsl.Definition:
    """Parse and check one definition; raise DefinitionError listing every problem found."""
    located = Located(text, filename)
    problems = list(located.problems)
    if located.data is None and not problems:
        problems.append(f"{filename}:1: the file is empty")
    if problems:
        raise DefinitionError(problems)
    if not isinstance(located.data, dict):
        raise DefinitionError([f"{filename}:{located.line(())}: a definition is a mapping with id, version, "
                               f"title, steps"])
    try:
        defn = dsl.Definition.model_validate(located.data)
    except ValidationError as e:
        raise DefinitionError(sorted(
            {f"{filename}:{located.line(_error_loc(err))}: {_words(err)}"
             for err in _prune_unions(e.errors(), located)},
            key=_line_key)) from None
    problems = _graph_problems(defn, located)
    if problems:
        raise DefinitionError(sorted(dict.fromkeys(problems), key=_line_key))
    return defn


def _line_key(problem: str) -> tuple:
    m = re.match(r"^(.*?):(\d+):", problem)
    return (m.group(1), int(m.group(2))) if m else (problem, 0)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_file(path: str | Path) -> tuple[dsl.Definition, str]:
    """Load one definition file; return it with its source text."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    return parse_definition(text, str(p)), text


def validate_paths(paths: list[str | Path]) -> list[str]:
    """Validate files (directories: their workflow *.yaml); return every problem, also duplicate ids."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for p in _expand(paths):
        try:
            defn, _ = load_file(p)
        except DefinitionError as e:
            problems.extend(e.problems)
            continue
        except OSError as e:
            problems.append(f"{p}:1: cannot read: {e.strerror}")
            continue
        if defn.id in seen:
            problems.append(f"{p}:1: duplicate definition id {defn.id!r} (also in {seen[defn.id]})")
        seen[defn.id] = str(p)
    return problems


NOT_WORKFLOWS = ("org.", "calendar.yaml")


def _expand(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.glob("*.yaml") if not x.name.startswith(NOT_WORKFLOWS)))
        else:
            out.append(p)
    return out


def definitions_dir() -> Path:
    """The shipped definitions/ folder."""
    return Path(__file__).resolve().parents[2] / "definitions"


def shipped() -> dict[str, tuple[dsl.Definition, str]]:
    """Every shipped workflow definition by id."""
    return {d.id: (d, t) for d, t in (load_file(p) for p in _expand([definitions_dir()]))}
