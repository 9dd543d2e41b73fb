"""The layout keeps its promises, folder-wide (no hand-kept list of modules):
the pure core and the parser import no framework or database library and never read the clock; only the store
builds SQL; no project module imports another's `_private` name; project modules import each other without cycles."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "engine"
PACKAGES = ("engine", "api", "workflows")
PURE = (ENGINE / "core", ENGINE / "parser")
FRAMEWORKS = {"sqlmodel", "sqlalchemy", "alembic", "fastapi", "starlette", "apscheduler", "prefect", "uvicorn",
              "httpx", "apprise", "psycopg", "sqlite3", "jinja2", "requests", "socket", "subprocess"}
SQL = {"sqlalchemy", "sqlmodel", "alembic", "psycopg", "sqlite3"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("time", "perf_counter"), ("time", "time_ns"),
               ("time", "monotonic_ns"), ("time", "localtime"), ("time", "gmtime")}


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
    """Calls such as datetime.now(), datetime.datetime.utcnow(), date.today(), time.time(), time.monotonic(), also
    through aliases (`from datetime import datetime as dt`, `import time as t`, `from time import monotonic`)."""
    alias = {"datetime": "datetime", "date": "date", "time": "time"}
    bare: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datetime":
            alias.update({a.asname: a.name for a in node.names if a.asname})
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            bare.update({(a.asname or a.name): ("time", a.name) for a in node.names})
        elif isinstance(node, ast.Import):
            alias.update({a.asname: a.name for a in node.names if a.asname and a.name in ("time", "datetime")})
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else (
                owner.attr if isinstance(owner, ast.Attribute) else None)
            owner_name = alias.get(owner_name, owner_name)
            call = (owner_name, node.func.attr)
        elif isinstance(node.func, ast.Name) and node.func.id in bare:
            call = bare[node.func.id]
        else:
            continue
        if call in CLOCK_READS:
            found.append((node.lineno, node.col_offset, f"line {node.lineno}: {call[0]}.{call[1]}()"))
    return [text for *_, text in sorted(found)]


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def modules() -> dict[str, Path]:
    """Every project module by dotted name."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_pure_core_and_the_parser_import_no_framework_and_read_no_clock():
    offenders = {}
    for folder in PURE:
        for path in sorted(folder.rglob("*.py")):
            tree = parse(path)
            bad = sorted(imported_roots(tree) & FRAMEWORKS) + clock_reads(tree)
            if bad:
                offenders[rel(path)] = bad
    assert offenders == {}


def test_only_the_clock_reads_the_time():
    offenders = {}
    for name, path in modules().items():
        if name == "engine.clock":
            continue
        if found := clock_reads(parse(path)):
            offenders[rel(path)] = found
    assert offenders == {}


def test_only_the_store_speaks_sql():
    offenders = {}
    for name, path in modules().items():
        if name.startswith("engine.store") or name == "engine.appraisal.store":
            continue
        if found := sorted(imported_roots(parse(path)) & SQL):
            offenders[rel(path)] = found
    assert offenders == {}


def project_imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """(imported project module, names taken from it) for every import in a module, wherever it stands."""
    out = []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(parse(path)):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] in PACKAGES]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] not in PACKAGES:
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub, []) if sub in known else (base, [a.name]))
    return out


def test_no_module_imports_another_modules_private_name():
    known = modules()
    offenders = []
    for name, path in known.items():
        for target, names in project_imports(name, path, known):
            last = target.rpartition(".")[2]
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if last.startswith("_") and not last.startswith("__"):
                private.append(last)
            if private and target != name:
                offenders.append(f"{name} imports {target}: {', '.join(private)}")
    assert offenders == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_project_modules_import_each_other_without_cycles():
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        deps = set()
        for target, _ in project_imports(name, path, known):
            while target and target not in known:
                target = target.rpartition(".")[0]
            # a package's __init__ is imported with any of its modules: count only real module edges
            if target and target != name and not known[target].name == "__init__.py":
                deps.add(target)
        graph[name] = deps
    assert find_cycles(graph) == []


def test_the_scanners_catch_what_they_look_for():
    tree = ast.parse(
        "import sqlalchemy.orm\nfrom fastapi import APIRouter\nimport datetime as dt\nfrom datetime import date\n"
        "def f():\n    from prefect import flow\n    return dt.datetime.now(), date.today()\n"
        "import time\nt = time.time()\nfrom . import clock\n"
        "from datetime import datetime as moment\nimport time as tm\nx = moment.now(), tm.time(), clock.now()\n"
        "from time import monotonic as mono\ny = mono()\n")
    assert imported_roots(tree) & FRAMEWORKS == {"sqlalchemy", "fastapi", "prefect"}
    assert clock_reads(tree) == ["line 7: datetime.now()", "line 7: date.today()", "line 9: time.time()",
                                 "line 13: datetime.now()", "line 13: time.time()", "line 15: time.monotonic()"]
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_core_tests_need_no_database():
    """tests/core runs without a database: none of its modules imports the store, the runtime, the API or a database
    library, and none asks for a fixture that opens one."""
    forbidden_roots = SQL
    forbidden_modules = ("engine.store", "engine.runtime", "engine.reads", "engine.appraisal.store", "api", "workflows",
                         "tests.support.databases")
    db_fixtures = {"site", "api_site", "database_url", "engine", "api", "office", "demo_site", "_template_db"}
    offenders = {}
    for path in sorted((ROOT / "tests" / "core").rglob("*.py")):
        tree = parse(path)
        bad = sorted(imported_roots(tree) & forbidden_roots)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(forbidden_modules):
                bad.append(node.module)
            elif isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                bad += [f"{node.name}({a.arg})" for a in node.args.args if a.arg in db_fixtures]
        if bad:
            offenders[rel(path)] = bad
    assert offenders == {}
