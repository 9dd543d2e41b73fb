"""Safe expressions for `when:` conditions, actor rules and scheme formulas (simpleeval; never eval).

An expression reads values and cannot change anything: the only calls are the functions listed in FUNCTIONS
(`len(subject.co_units)`), never a method of a value (`subject.co_units.append('x')`, `subject.clear()`);
`a.b` on a mapping reads its key `b` and nothing else; no attribute starting with `_` and no attribute that is a
callable is ever reached; no `:=`. `check` refuses such text when a definition loads (the parser reports it with
file:line); `Evaluator` refuses it again at run time, whatever the text.
"""
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

_LISTED = ", ".join(FUNCTIONS)


class ExprError(ValueError):
    pass


class Namespace(dict):
    """A dict whose keys read as attributes: `subject.priority`; missing keys read as None."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        v = self.get(name)
        return Namespace(v) if isinstance(v, dict) and not isinstance(v, Namespace) else v


class Evaluator(EvalWithCompoundTypes):
    """simpleeval with the language's limits: calls only to FUNCTIONS by name, attributes only as data."""

    def _eval_call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in self.functions:
            raise ExprError(_call_refusal(node))
        return super()._eval_call(node)

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise ExprError(f"attribute {node.attr!r} is not allowed (no name starting with '_')")
        base = self._eval(node.value)
        if isinstance(base, dict):  # a mapping's key, never one of its methods (`subject.clear` reads a field)
            value = base.get(node.attr)
            return Namespace(value) if isinstance(value, dict) and not isinstance(value, Namespace) else value
        try:
            value = getattr(base, node.attr)
        except AttributeError:
            raise ExprError(f"{type(base).__name__} value has no attribute {node.attr!r}") from None
        if callable(value):
            raise ExprError(f"attribute {node.attr!r} is a method; expressions only read values")
        return value


def _call_refusal(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        return (f"method call .{node.func.attr}() is not allowed: expressions only read values; "
                f"the functions are {_LISTED}")
    name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
    return f"function {name!r} is not one the language lists ({_LISTED})"


@lru_cache(maxsize=1024)
def parse(text: str) -> ast.Expr:
    """Parse once; raise ExprError with plain words for a syntax error."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"expression {text!r} does not parse: {e.msg}") from None
    return tree.body


def evaluate(text: str, names: dict[str, Any], functions: dict[str, Any] | None = None) -> Any:
    """Evaluate `text` over `names` (dicts become attribute namespaces)."""
    ev = Evaluator(names={k: Namespace(v) if isinstance(v, dict) else v for k, v in names.items()},
                   functions=FUNCTIONS if functions is None else functions)
    try:
        return ev.eval(text.strip(), previously_parsed=parse(text))
    except ExprError as e:
        raise ExprError(f"expression {text!r} refused: {e}") from None
    except (InvalidExpression, ArithmeticError, TypeError, ValueError, AttributeError, KeyError) as e:
        raise ExprError(f"expression {text!r} failed: {e}") from None


def check(text: str, allowed_roots: set[str]) -> None:
    """Check syntax, that every top-level name is known (subject, input, ...) and that nothing can change."""
    tree = parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in allowed_roots and node.id not in FUNCTIONS \
                and node.id not in ("True", "False", "None"):
            raise ExprError(f"expression {text!r} uses unknown name {node.id!r}; "
                            f"known: {', '.join(sorted(allowed_roots))}")
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)):
            raise ExprError(f"expression {text!r}: comprehensions and lambdas are not allowed")
        if isinstance(node, ast.NamedExpr):
            raise ExprError(f"expression {text!r}: assignment (:=) is not allowed; expressions only read values")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS):
            raise ExprError(f"expression {text!r}: {_call_refusal(node)}")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExprError(f"expression {text!r}: attribute {node.attr!r} is not allowed "
                            f"(no name starting with '_')")
