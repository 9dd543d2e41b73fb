"""Loading workflow definitions from files: one file (`load_file`), the shipped folder (`definitions_dir`,
`shipped`). The parsing itself lives in its own modules: positions (YAML with lines, and its guards), definition
(the model and its words), graph and actors (checks), calendar_file, org_file, kinds (`duban validate`)."""
from __future__ import annotations

from pathlib import Path

from engine.core import dsl
from engine.parser.definition import parse_definition
from engine.parser.positions import decode

__all__ = ["NOT_WORKFLOWS", "definitions_dir", "load_file", "parse_definition", "shipped",
           "workflow_files"]

NOT_WORKFLOWS = ("org.", "calendar.yaml", "bulletin.yaml")


def load_file(path: str | Path) -> tuple[dsl.Definition, str]:
    """Load one definition file; return it with its source text."""
    p = Path(path)
    raw = p.read_bytes()
    defn = parse_definition(raw, str(p))  # a file that is not UTF-8 is a DefinitionError with its line
    return defn, decode(raw, str(p))[0] or ""


def workflow_files(folder: Path) -> list[Path]:
    """The workflow definitions of a folder: its *.yaml but the organisation and the calendar."""
    return sorted(x for x in folder.glob("*.yaml") if not x.name.startswith(NOT_WORKFLOWS))


def definitions_dir() -> Path:
    """The shipped definitions/ folder: inside an installed wheel the copy carried as engine/definitions (see
    pyproject.toml), in a source checkout or an editable install the top-level definitions/ itself."""
    engine = Path(__file__).resolve().parents[1]
    packaged = engine / "definitions"
    return packaged if packaged.is_dir() else engine.parent / "definitions"


def shipped() -> dict[str, tuple[dsl.Definition, str]]:
    """Every shipped workflow definition by id."""
    return {d.id: (d, t) for d, t in (load_file(p) for p in workflow_files(definitions_dir()))}
