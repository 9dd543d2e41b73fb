"""`duban validate`: which kind of Duban file each path is (a workflow definition, the organisation, the calendar,
an appraisal scheme; by a top-level `kind:` or by shape) and its own checks, every problem as `file:line: message`."""
from __future__ import annotations

from pathlib import Path

from engine.appraisal.schemes import parse_scheme
from engine.core.states import DefinitionError
from engine.parser.bulletin_file import check_bulletin
from engine.parser.calendar_file import check_calendar, looks_like_calendar
from engine.parser.definition import check_definition
from engine.parser.org_file import check_org, looks_like_org
from engine.parser.positions import Located

# `kind:` names the files whose language allows the key; definitions and schemes are known by their shape
KINDS = {"bulletin": "bulletin", "calendar": "calendar", "org": "org", "organisation": "org", "organization": "org"}
NONE_OF_THEM = ("is not a Duban file: a workflow definition has id, version, title, start, steps; an organisation "
                "has units and people; a calendar has overrides (and years); an appraisal scheme has dimensions "
                "and bands (a calendar, an organisation or a bulletin may say so with a top-level `kind:`)")


def kind_of(path: Path, located: Located) -> str | None:
    """definition, calendar, org, bulletin or scheme; None when the file is none of them."""
    data = located.data
    if isinstance(data, dict):
        if isinstance(data.get("kind"), str) and data["kind"].strip().lower() in KINDS:
            return KINDS[data["kind"].strip().lower()]
        if "steps" in data or "start" in data:
            return "definition"
        if looks_like_calendar(data):
            return "calendar"
        if looks_like_org(data):
            return "org"
        if "dimensions" in data or "bands" in data:
            return "scheme"
        if {"id", "version", "title"} & set(data):
            return "definition"
        return None
    # empty, unreadable or not a mapping: the file's name tells, else its problems are a definition's
    if path.name == "calendar.yaml":
        return "calendar"
    if path.name.startswith("org."):
        return "org"
    return "scheme" if path.parent.name == "schemes" else "definition"


def check_file(path: Path, raw: bytes) -> tuple[str | None, str | None, list[str]]:
    """(kind, definition id or None, problems) of one file's bytes."""
    name = str(path)
    located = Located(raw, name)
    kind = kind_of(path, located)
    if kind is None:
        return None, None, [f"{name}:1: {NONE_OF_THEM}"]
    if kind == "calendar":
        return kind, None, check_calendar(located)[1]
    if kind == "org":
        return kind, None, check_org(located)
    if kind == "bulletin":
        return kind, None, check_bulletin(located)[1]
    if kind == "scheme":
        if located.problems:
            return kind, None, located.problems
        try:
            parse_scheme(raw.decode("utf-8"), name)
        except DefinitionError as e:
            return kind, None, list(e.problems)
        return kind, None, []
    try:
        return kind, check_definition(located).id, []
    except DefinitionError as e:
        return kind, None, list(e.problems)


def expand(paths: list[str | Path]) -> list[Path]:
    """Files as given; a folder gives its *.yaml and its schemes/*.yaml."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.glob("*.yaml")))
            out.extend(sorted((p / "schemes").glob("*.yaml")))
        else:
            out.append(p)
    return out


def validate_paths(paths: list[str | Path]) -> list[str]:
    """Check every file by its kind; return every problem, also definition ids used by two files."""
    problems: list[str] = []
    seen: dict[str, str] = {}
    for p in expand(paths):
        try:
            raw = p.read_bytes()
        except OSError as e:
            problems.append(f"{p}:1: cannot read: {e.strerror}")
            continue
        kind, ident, found = check_file(p, raw)
        problems.extend(found)
        if ident is not None:
            if ident in seen:
                problems.append(f"{p}:1: duplicate definition id {ident!r} (also in {seen[ident]})")
            seen[ident] = str(p)
    return problems
