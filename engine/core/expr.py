"""Safe expressions for `when:` conditions, actor rules and scheme formulas (simpleeval; never eval)."""
from __future__ import annotations

import ast
import math
from functools import lru_cache
from typing import Any

from simpleeval import EvalWithCompoundTypes, InvalidExpression

FUNCTIONS = {
    "min": min, "max": max, "abs": abs, "round": round, "len": len,
    "floor": math.floor, "ceil": math.ceil, "clamp": lambda x, lo, hi: max(lo, min(hi, x)),
}


class ExprError(ValueError):
    pass


class Namespace(dict):
    """A dict whose keys read as attributes: `subject.priority`; missing keys read as None."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        v = self.get(name)
        return Namespace(v) if isinstance(v, dict) and not isinstance(v, Namespace) else v


@lru_cache(maxsize=1024)
def parse(text: str) -> ast.Expr:
    """Parse once; raise ExprError with plain words for a syntax error."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"expression {text!r} does not parse: {e.msg}") from None
    return tree.body


def evaluate(text: str, names: dict[str, Any]) -> Any:
    """Evaluate `text` over `names` (dicts become attribute namespaces)."""
    ev = EvalWithCompoundTypes(
        names={k: Namespace(v) if isinstance(v, dict) else v for k, v in names.items()},
        functions=FUNCTIONS,
    )
    try:
        return ev.eval(text.strip(), previously_parsed=parse(text))
    except ExprError:
        raise
    except (InvalidExpression, ArithmeticError, TypeError, ValueError, AttributeError, KeyError) as e:
        raise ExprError(f"expression {text!r} failed: {e}") from None


def check(text: str, allowed_roots: set[str]) -> None:
    """Check syntax and that every top-level name is known (subject, input, ...)."""
    tree = parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in allowed_roots and node.id not in FUNCTIONS \
                and node.id not in ("True", "False", "None"):
            raise ExprError(f"expression {text!r} uses unknown name {node.id!r}; "
                            f"known: {', '.join(sorted(allowed_roots))}")
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
            raise ExprError(f"expression {text!r}: comprehensions and lambdas are not allowed")
