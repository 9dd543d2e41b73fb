"""An organisation file (definitions/org.demo.yaml shape): `categories` and `units` as {id: {zh, en}}, `people` as
rows of login, name, name_en, unit, roles, category, channels, digest. Checked with `file:line` messages before
`duban org load` or `serve --demo` saves it."""
from __future__ import annotations

import re
from typing import Any

from engine.core.dsl import ROLES
from engine.parser.positions import Located

KEYS = ("categories", "units", "people")
PERSON_KEYS = ("login", "name", "name_en", "unit", "roles", "category", "channels", "digest")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LOGIN = re.compile(r"^[\w.\-]+$")


def looks_like_org(data: Any) -> bool:
    return isinstance(data, dict) and ("people" in data or "units" in data)


def check_org(located: Located) -> list[str]:
    """Every problem of an organisation file."""
    problems = list(located.problems)
    data, at = located.data, located.at
    if problems:
        return problems
    if not isinstance(data, dict):
        return [f"{at()}: an organisation is a mapping with categories, units and people"]
    for key in data:
        if key not in KEYS and key != "kind":
            problems.append(f"{at(key)}: unknown key {key!r} (expected {', '.join(KEYS)})")
    named: dict[str, set] = {}
    for key in ("categories", "units"):
        block = data.get(key) or {}
        if not isinstance(block, dict):
            problems.append(f"{at(key)}: '{key}' is a mapping like {{id: {{zh: 名称, en: Name}}}}")
            block = {}
        for ident, label in block.items():
            if not isinstance(ident, str) or not _ID.match(ident):
                problems.append(f"{at(key, ident)}: id {ident!r} must be lower-case letters, digits and _")
            elif not (isinstance(label, dict) and set(label) == {"zh", "en"}
                      and all(isinstance(v, str) and v.strip() for v in label.values())):
                problems.append(f"{at(key, ident)}: {ident!r} needs a name in both languages: {{zh: ..., en: ...}}")
        named[key] = set(block)
    people = data.get("people") or []
    if not isinstance(people, list):
        problems.append(f"{at('people')}: 'people' is a list of {{login, name, unit, roles}} rows")
        people = []
    first: dict[str, int] = {}
    for i, p in enumerate(people):
        where = at("people", i)
        if not isinstance(p, dict):
            problems.append(f"{where}: each person is a mapping like {{login: ..., name: ..., unit: ..., roles: [...]}}")
            continue
        for key in p:
            if key not in PERSON_KEYS:
                problems.append(f"{at('people', i, key)}: unknown field {key!r} (expected {', '.join(PERSON_KEYS)})")
        login = p.get("login")
        if not isinstance(login, str) or not _LOGIN.match(login):
            problems.append(f"{where}: a person needs a `login` of letters, digits, '.', '_' or '-', got {login!r}")
            continue
        if login in first:
            problems.append(f"{where}: login {login!r} is listed twice (first on line {first[login]})")
        first.setdefault(login, located.line(("people", i)))
        if not isinstance(p.get("name"), str) or not p["name"].strip():
            problems.append(f"{where}: {login}: needs a `name`")
        if p.get("unit") not in named["units"]:
            problems.append(f"{at('people', i, 'unit')}: {login}: unknown unit {p.get('unit')!r}; "
                            f"known units: {', '.join(sorted(named['units'])) or 'none'}")
        roles = p.get("roles", ["staff"])
        if not isinstance(roles, list) or not roles:
            problems.append(f"{at('people', i, 'roles')}: {login}: `roles` is a list like [staff]")
        else:
            for r in roles:
                if r not in ROLES:
                    problems.append(f"{at('people', i, 'roles')}: {login}: unknown role {r!r}; "
                                    f"known roles: {', '.join(ROLES)}")
        category = p.get("category")
        if category is not None and category not in named["categories"]:
            problems.append(f"{at('people', i, 'category')}: {login}: unknown category {category!r}")
    return problems
