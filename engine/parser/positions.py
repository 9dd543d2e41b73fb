"""YAML text -> plain data with the line of every path, behind guards: UTF-8 only, bounded size, nesting depth and
number of values, no alias loops, keys that are plain text (a mapping used as a key, or `yes:`/`no:`/`on:` read by
YAML 1.1 as true/false, is refused with its line). Every problem reads `file:line: message`."""
from __future__ import annotations

import re
from typing import Any, Callable

import yaml

Path_ = tuple  # a path into the YAML document: ("steps", "assign", "actor")

MAX_BYTES = 512 * 1024  # shipped files are a few kilobytes; parsing is quadratic nowhere but slow in pure Python
MAX_DEPTH = 64  # definitions nest about eight levels deep
MAX_NODES = 100_000  # aliases may expand a small file into a huge one ("billion laughs")
MAX_VALUES = 20_000  # values written in the text (the shipped definitions hold a few hundred)
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pre-scan only; messages come from the pure parser
_BOOL_WORDS = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")


GiveUp = Callable[[], "str | None"]  # asked now and then: a reason to stop (e.g. a time budget spent), or None
CHECK_EVERY = 500  # values between two questions to GiveUp


class GaveUp(Exception):
    """The caller's GiveUp said stop: the work ends here, with its reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def ask(give_up: GiveUp | None) -> None:
    """Raise GaveUp when the caller says stop."""
    if give_up is not None:
        reason = give_up()
        if reason:
            raise GaveUp(reason)


class AliasLoop(Exception):
    """The document refers to itself through an alias, or expands beyond MAX_NODES values."""

    def __init__(self, line: int, what: str = "refers to itself through a YAML alias"):
        super().__init__(what)
        self.line, self.what = line, what


def decode(raw: bytes | str, filename: str) -> tuple[str | None, list[str]]:
    """UTF-8 text of a file's bytes, or a problem naming the line of the first bad byte."""
    if isinstance(raw, str):
        return raw, []
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        return None, [f"{filename}:{line}: the file is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset "
                      f"{e.start}); save it as UTF-8"]


def prescan(text: str, filename: str, give_up: GiveUp | None = None) -> list[str]:
    """Size and depth guards, before the (recursive) composer sees the text."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return [f"{filename}:1: the file is {size:,} bytes; a Duban file may be at most {MAX_BYTES:,} bytes"]
    try:
        return _depth(text, filename, _FAST, give_up)
    except yaml.YAMLError:  # libyaml stops at its own depth limit: ask the (slower, exact) Python parser
        try:
            return _depth(text, filename, yaml.SafeLoader, give_up)
        except yaml.YAMLError:
            return []  # the composer reports it, with its line


def _depth(text: str, filename: str, loader: type, give_up: GiveUp | None = None) -> list[str]:
    depth = values = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.NodeEvent):
            values += 1
            if values % CHECK_EVERY == 0:
                ask(give_up)
            if values > MAX_VALUES:
                return [f"{filename}:{event.start_mark.line + 1}: more than {MAX_VALUES:,} values; a Duban file "
                        f"is much smaller (too many steps?)"]
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return [f"{filename}:{event.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep"]
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return []


def expanded_size(root: yaml.Node, most: int = MAX_NODES) -> int:
    """How many values the document holds once every alias is expanded, counted without expanding (each node
    once, its size remembered), capped at `most` + 1: a billion laughs is measured in microseconds. Raises
    AliasLoop for a node that contains itself."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            kids = [x for kv in node.value for x in kv] if isinstance(node, yaml.MappingNode) else node.value
            sizes[key] = min(most + 1, 1 + sum(sizes[id(k)] for k in kids))
            continue
        if key in sizes:
            continue
        if key in open_:
            raise AliasLoop(node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            kids = [x for kv in node.value for x in kv]
        elif isinstance(node, yaml.SequenceNode):
            kids = node.value
        else:
            sizes[key] = 1
            continue
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


class Located:
    """YAML text turned into plain data plus a map from each path to its line (1-based). `give_up`, when given,
    is asked every CHECK_EVERY values; a reason from it stops the work (GaveUp)."""

    def __init__(self, text: str | bytes, filename: str, give_up: GiveUp | None = None):
        self.filename = filename
        self.lines: dict[Path_, int] = {}
        self.data: Any = None
        self._count = 0
        self._give_up = give_up
        self._constructor = yaml.constructor.SafeConstructor()
        decoded, self.problems = decode(text, filename)
        if decoded is None:
            return
        self.problems = prescan(decoded, filename, give_up)
        if self.problems:
            return
        try:
            node = yaml.compose(decoded, Loader=_FAST)
        except yaml.YAMLError:
            try:  # the Python parser's message and marks point at the place (an unclosed bracket's opening)
                node = yaml.compose(decoded, Loader=yaml.SafeLoader)
            except yaml.YAMLError as e:
                self.problems.append(_yaml_problem(e, filename))
                return
        try:
            if node is not None and expanded_size(node) > MAX_NODES:
                raise AliasLoop(1, f"expands beyond {MAX_NODES:,} values (YAML aliases?)")
            ask(give_up)
            self.data = self._build(node, ()) if node is not None else None
        except AliasLoop as e:
            self.problems.append(f"{filename}:{e.line}: the document {e.what}")
            self.data = None

    def _build(self, node: yaml.Node, path: Path_, seen: tuple = ()) -> Any:
        if id(node) in seen:
            raise AliasLoop(node.start_mark.line + 1)
        if len(path) > 4 * MAX_DEPTH:  # aliases inside aliases can nest deeper than the text does
            raise AliasLoop(node.start_mark.line + 1, f"nests more than {4 * MAX_DEPTH} levels deep through aliases")
        self._count += 1
        if self._count % CHECK_EVERY == 0:
            ask(self._give_up)
        if self._count > MAX_NODES:
            raise AliasLoop(node.start_mark.line + 1, f"expands beyond {MAX_NODES:,} values (YAML aliases?)")
        seen = seen + (id(node),)
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                where = f"{self.filename}:{key_node.start_mark.line + 1}"
                if not isinstance(key_node, yaml.ScalarNode):
                    kind = "mapping" if isinstance(key_node, yaml.MappingNode) else "list"
                    self.problems.append(f"{where}: a key must be plain text, not a {kind}")
                    continue
                if path == ("trigger",) and key_node.value == "on" and not key_node.style:
                    key_node = yaml.ScalarNode("tag:yaml.org,2002:str", "on", key_node.start_mark, key_node.end_mark)
                elif key_node.tag == "tag:yaml.org,2002:bool" and not key_node.style \
                        and _BOOL_WORDS.match(key_node.value):  # (a trigger's `on:` is the day, not True)
                    self.problems.append(f"{where}: the key {key_node.value!r} is read by YAML as "
                                         f"{scalar(key_node, self._constructor)!r}; quote it ('{key_node.value}') or choose another name")
                    continue
                key = scalar(key_node, self._constructor)
                if key in out:
                    self.problems.append(f"{where}: duplicate key {key!r} (first at line {self.lines[path + (key,)]})")
                    continue
                self.lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = self._build(value_node, path + (key,), seen)
                self.lines[path + (key,)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(v, path + (i,), seen) for i, v in enumerate(node.value)]
        return scalar(node, self._constructor)

    def line(self, loc: tuple) -> int:
        """The line of the deepest known path along `loc` (pydantic adds tags, which are skipped)."""
        path: Path_ = ()
        for part in loc:
            if path + (part,) in self.lines:
                path = path + (part,)
        return self.lines.get(path, 1)

    def at(self, *path: Any) -> str:
        """`file:line` of a path."""
        return f"{self.filename}:{self.line(path)}"


def _yaml_problem(e: yaml.YAMLError, filename: str) -> str:
    mark, opened = getattr(e, "problem_mark", None), getattr(e, "context_mark", None)
    line = mark.line + 1 if mark else 1
    problem = getattr(e, "problem", None) or str(e)
    if opened and "flow" in (getattr(e, "context", None) or "") and opened.line + 1 < line:
        # an unclosed { or [: point where it was opened, not where the parser gave up
        bracket = opened.buffer[opened.pointer]
        return (f"{filename}:{opened.line + 1}: not valid YAML: the {bracket} opened here "
                f"is not closed ({problem} on line {line})")
    hint = " (check the indentation)" if "block" in problem or "mapping values" in problem else ""
    return f"{filename}:{line}: not valid YAML{hint}: {problem}"


def scalar(node: yaml.Node, constructor: yaml.constructor.SafeConstructor | None = None) -> Any:
    """The Python value of one scalar node (YAML 1.1 safe types)."""
    try:
        return (constructor or yaml.constructor.SafeConstructor()).construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return node.value  # e.g. a date like 2027-13-01: the checks say what is wrong with the text


def line_key(problem: str) -> tuple:
    """Sort key of a `file:line: message` problem: by file, then line."""
    m = re.match(r"^(.*?):(\d+):", problem)
    return (m.group(1), int(m.group(2))) if m else (problem, 0)
