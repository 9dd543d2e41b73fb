"""`duban validate PATH...` (every kind of file in definitions/, each problem as `file:line: message`), `duban schema`
(the JSON Schema of the workflow language, for editors) and `duban diagram PATH` (a definition as Mermaid)."""
from __future__ import annotations

import argparse
import json
import sys

from engine.core.dsl import Definition
from engine.core.states import DefinitionError
from engine.parser.kinds import validate_paths
from engine.parser.loader import load_file
from engine.reads.diagram import mermaid


def cmd_validate(args: argparse.Namespace) -> int:
    problems = validate_paths(args.paths)
    for p in problems:
        print(p)
    if not problems:
        print("OK: 流程定义校验通过 (definitions are valid)")
    return 1 if problems else 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Definition.model_json_schema(), ensure_ascii=False, indent=2))
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    try:
        defn, _ = load_file(args.path)
    except DefinitionError as e:
        print("\n".join(e.problems), file=sys.stderr)
        return 1
    print(mermaid(defn, lang=args.lang))
    return 0
