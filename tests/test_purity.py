"""The pure core imports no framework, and only engine/clock.py reads the wall clock."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parent.parent / "engine"

PURE = ["dsl", "loader", "machine", "actions", "handling", "model", "states", "org", "expr", "fields",
        "deadlines", "calendar", "diagram", "messages"]
FRAMEWORKS = {"sqlmodel", "sqlalchemy", "fastapi", "starlette", "apscheduler", "prefect", "uvicorn", "httpx",
              "apprise"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def imported_roots(tree: ast.AST) -> set[str]:
    """Top-level package names of every import, wherever it appears (also inside functions)."""
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def clock_reads(tree: ast.AST) -> list[str]:
    """Calls such as datetime.now(), datetime.datetime.utcnow(), date.today(), time.time(), also through
    aliases (`from datetime import datetime as dt`, `import time as t`)."""
    alias = {"datetime": "datetime", "date": "date", "time": "time"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datetime":
            alias.update({a.asname: a.name for a in node.names if a.asname})
        elif isinstance(node, ast.Import):
            alias.update({a.asname: a.name for a in node.names if a.asname and a.name in ("time", "datetime")})
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else (
                owner.attr if isinstance(owner, ast.Attribute) else None)
            owner_name = alias.get(owner_name, owner_name)
            if (owner_name, node.func.attr) in CLOCK_READS:
                text = f"line {node.lineno}: {owner_name}.{node.func.attr}()"
                found.append((node.lineno, node.col_offset, text))
    return [text for *_, text in sorted(found)]


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.mark.parametrize("name", PURE)
def test_the_pure_core_imports_no_framework(name):
    path = ENGINE / f"{name}.py"
    assert path.exists(), f"engine/{name}.py is part of the pure core and must exist"
    assert sorted(imported_roots(parse(path)) & FRAMEWORKS) == []


def test_only_the_clock_reads_the_time():
    offenders = {}
    for path in sorted(ENGINE.rglob("*.py")):
        if path == ENGINE / "clock.py":
            continue
        if found := clock_reads(parse(path)):
            offenders[str(path.relative_to(ENGINE.parent))] = found
    assert offenders == {}


def test_the_scanners_catch_what_they_look_for():
    tree = ast.parse(
        "import sqlalchemy.orm\nfrom fastapi import APIRouter\nimport datetime as dt\nfrom datetime import date\n"
        "def f():\n    from prefect import flow\n    return dt.datetime.now(), date.today()\n"
        "import time\nt = time.time()\nfrom . import clock\n"
        "from datetime import datetime as moment\nimport time as tm\nx = moment.now(), tm.time(), clock.now()\n")
    assert imported_roots(tree) & FRAMEWORKS == {"sqlalchemy", "fastapi", "prefect"}
    assert clock_reads(tree) == ["line 7: datetime.now()", "line 7: date.today()", "line 9: time.time()",
                                 "line 13: datetime.now()", "line 13: time.time()"]
