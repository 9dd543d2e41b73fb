"""The wheel `pip install .` builds carries what an installed Duban runs on: the shipped definitions (every file of the
top-level definitions/ folder, as engine/definitions, where definitions_dir() looks first), the pages' templates and
static files, and the migrations. Installing it into a fresh venv and running `duban demo`, `duban validate` and
`duban serve --demo` from it is .ci/wheel-check (a minute of installing; run by .ci/run)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.databases import PG_URL

ROOT = Path(__file__).resolve().parents[1]


def tracked(folder: str) -> set[str]:
    """The source files under `folder`, relative to the checkout (no byte-code caches)."""
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.mark.skipif(bool(PG_URL), reason="no database involved: runs once, in the SQLite pass")
def test_the_wheel_carries_the_definitions_pages_and_migrations(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("duban-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    definitions = tracked("definitions")
    assert {"definitions/directive.yaml", "definitions/org.demo.yaml", "definitions/schemes/hr_assistant.yaml"} \
        <= definitions
    assert {"engine/" + name for name in definitions} <= names
    for folder in ("api/pages/templates", "api/pages/static", "engine/store/migrations"):
        assert tracked(folder) and tracked(folder) <= names, folder
    assert not any(name.startswith(("definitions/", "tests/", "bench/")) for name in names)
