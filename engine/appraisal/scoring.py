"""Scoring, pure: a person's metrics and ratings under a frozen scheme → per dimension raw → normalised → weight →
contribution, missing parts left out with their weight shared among the rest (and said so), the score and its band.

Formulas are evaluated in exact fractions; the rest is decimal arithmetic to 34 significant digits (exact for
every value with a finite decimal expansion, and far beyond any rounding otherwise). Shown values are rounded half
up to 2 decimals, and the band is read off the rounded score. The same inputs always give the same result (the
frozen scheme, metrics and ratings suffice)."""
from __future__ import annotations

import ast
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction
from typing import Any

from engine.core import expr
from engine.appraisal.schemes import METRIC_NAMES, RELATION_LABELS, Scheme

COUNTS = ("assigned", "completed", "completed_on_time", "late", "overdue_open", "chases", "escalations",
          "transfers_out", "returns", "co_handled", "completed_lead", "completed_single", "extensions",
          "extensions_after_due", "rated", "basically_satisfied", "unsatisfied", "reports_missed")
# which stored evidence lists back each figure
EVIDENCE = {"assigned": ["assigned"], "completed": ["completed"], "completed_on_time": ["completed", "late"],
            "late": ["late"], "on_time_rate": ["completed", "late"], "overdue_open": ["overdue_open"],
            "avg_handling_days": ["completed"], "chases": ["chases"], "escalations": ["escalations"],
            "transfers_out": ["transfers_out"], "returns": ["returns"], "co_handled": ["co_handled"],
            "completed_lead": ["completed"], "completed_single": ["completed"], "extensions": ["extensions"],
            "extensions_after_due": ["extensions_after_due"], "credit": ["completed", "co_handled"],
            "rated": ["rated"], "satisfaction": ["rated"], "basically_satisfied": ["basically_satisfied"],
            "unsatisfied": ["unsatisfied"], "reports_missed": ["reports_missed"]}
_local = threading.local()


CTX = Context(prec=34)
CENT, TEN_THOUSANDTH = Decimal("0.01"), Decimal("0.0001")
HUNDRED = Decimal(100)


_SHOWN: dict[Any, float] = {}  # many values recur (weights, normalised ratings): rounded once


def r2(x: Any) -> float | None:
    """Rounded half up (away from zero) to 2 decimals, as a float for display and storage."""
    if x is None:
        return None
    v = _SHOWN.get(x)
    if v is None:
        v = float(dec(x).quantize(CENT, rounding=ROUND_HALF_UP))
        if len(_SHOWN) > 100_000:
            _SHOWN.clear()
        _SHOWN[x] = v
    return v


def r4(x: Any) -> float | None:
    """Rounded half up to 4 decimals (rates shown as inputs)."""
    return None if x is None else float(dec(x).quantize(TEN_THOUSANDTH, rounding=ROUND_HALF_UP))


_INTS = {i: Decimal(i) for i in range(-100, 101)}


def dec(v: Any) -> Decimal:
    """A number as a decimal: a float as the decimal it was written as, a fraction to 34 digits."""
    if isinstance(v, Decimal):
        return v
    if isinstance(v, int):
        return _INTS.get(v) or Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    v = Fraction(v)
    return CTX.divide(Decimal(v.numerator), Decimal(v.denominator))


def _num(v: Any) -> Fraction | int:
    """Exact numbers for formulas: ints and fractions as they are; a float as the decimal it was written as."""
    if isinstance(v, (int, Fraction)) and not isinstance(v, bool):
        return v
    return Fraction(repr(v)) if isinstance(v, float) else Fraction(v)


def namespace(scheme: Scheme, figures: dict) -> dict[str, Any]:
    """The names a formula sees: the counts (integers), the rates as exact fractions (None with nothing to divide)
    and the scheme's `credit`."""
    ns: dict[str, Any] = {k: int(figures.get(k) or 0) for k in COUNTS}
    done = ns["completed"]
    plan = _plan(scheme)
    needs = plan.needs  # the derived figures are made only for schemes whose formulas use them
    if "on_time_rate" in needs:
        ns["on_time_rate"] = Fraction(ns["completed_on_time"], done) if done else None
    if "avg_handling_days" in needs:
        ns["avg_handling_days"] = Fraction(int(figures.get("handling_days") or 0), done) if done else None
    if "satisfaction" in needs:  # 办结评价, 0–100 (engine.appraisal.rating_metrics); None when nothing was rated
        v = figures.get("satisfaction")
        ns["satisfaction"] = Fraction(repr(v)) if isinstance(v, float) else (Fraction(v) if v is not None else None)
    if "credit" in needs:
        ns["credit"] = ns["completed_single"] + plan.lead * ns["completed_lead"] + plan.co * ns["co_handled"]
    return ns


def names_in(formula: str) -> list[str]:
    return sorted({n.id for n in ast.walk(expr.parse(formula)) if isinstance(n, ast.Name) and n.id in METRIC_NAMES})


def evaluate(formula: str, ns: dict) -> Fraction | int:
    ev = getattr(_local, "ev", None)
    if ev is None:
        ev = _local.ev = expr.Evaluator(functions=expr.FUNCTIONS)
    ev.names = ns
    try:
        return _num(ev.eval(formula, previously_parsed=expr.parse(formula)))
    except Exception as e:  # noqa: BLE001 - a formula that fails is reported with its words
        raise expr.ExprError(f"expression {formula!r} failed: {e}") from None


def normalise(raw: Decimal, lo: Decimal, span: Decimal) -> Decimal:
    """(raw − lo) / span × 100, clamped to 0–100 (in the caller's decimal context)."""
    v = raw if lo == 0 and span == 100 else (raw - lo) * HUNDRED / span
    return Decimal(0) if v < 0 else HUNDRED if v > 100 else v


@dataclass
class _Dim:
    """A dimension prepared once per scheme: what its output always says, and its numbers as exact values."""

    key: str
    weight: Decimal
    static: dict
    formula: str | None = None
    used: list[str] = field(default_factory=list)
    lo: Decimal = Decimal(0)
    span: Decimal = HUNDRED
    raters: list[tuple[str, Decimal, float, list]] = field(default_factory=list)  # (relation, weight, shown, label)
    memo: dict = field(default_factory=dict)  # formula inputs -> (raw, normalised): many people share them


@dataclass
class _Plan:
    dims: list[_Dim]
    full: Any
    lead: Any
    co: Any
    min_peers: int
    needs: frozenset = frozenset()  # the figures the scheme's formulas use


_plans: dict[int, tuple[Scheme, _Plan]] = {}


def _plan(scheme: Scheme) -> _Plan:
    hit = _plans.get(id(scheme))
    if hit is not None and hit[0] is scheme:
        return hit[1]
    dims = []
    for key, d in scheme.dimensions.items():
        static = {"id": key, "name": {"zh": d.name.zh, "en": d.name.en}, "weight": d.weight}
        if d.metric:
            used = names_in(d.metric)
            static.update(source="metric", formula=d.metric, scale=[d.scale.min, d.scale.max],
                          evidence=sorted({e for k in used for e in EVIDENCE[k]}))
            dims.append(_Dim(key, dec(d.weight), static, d.metric, used, dec(d.scale.min),
                             dec(d.scale.max) - dec(d.scale.min)))
        else:
            sc = d.ratings.scale
            static.update(source="ratings", scale=[sc.min, sc.max])
            raters = [(rel, dec(w), w, list(RELATION_LABELS[rel])) for rel, w in scheme.raters_of(d).items() if w]
            dims.append(_Dim(key, dec(d.weight), static, lo=dec(sc.min), span=dec(sc.max) - dec(sc.min),
                             raters=raters))
    plan = _Plan(dims, sum(x.weight for x in dims), _num(scheme.co_handling.lead), _num(scheme.co_handling.co),
                 scheme.peers.min_responses,  # co-handling credit goes into formulas: exact fractions
                 frozenset(n for x in dims for n in x.used))
    _plans[id(scheme)] = (scheme, plan)
    return plan


def _metric_part(dim: _Dim, ns: dict | None, no_tasks: bool) -> tuple[dict, Any, Any, tuple | None]:
    """(what is stored besides the numbers, raw, normalised, note); raw None: missing."""
    out = {"inputs": {k: (r4(ns[k]) if ns and ns[k] is not None else None) for k in dim.used}}
    if ns is None or no_tasks:
        return out, None, None, NO_TASKS
    empty = [k for k in dim.used if ns[k] is None]
    if empty:
        return out, None, None, (f"{'、'.join(METRIC_NAMES[k][0] for k in empty)}无从计算（本期没有办结任务），未计入",
                                 f"{', '.join(METRIC_NAMES[k][1] for k in empty)} cannot be computed "
                                 f"(nothing completed in the period): left out")
    key = tuple(ns[k] for k in dim.used)
    hit = dim.memo.get(key)
    if hit is None:
        raw = dec(evaluate(dim.formula, ns))
        hit = dim.memo[key] = (raw, normalise(raw, dim.lo, dim.span))
        if len(dim.memo) > 100_000:
            dim.memo.clear()
    return out, hit[0], hit[1], None


NO_TASKS = ("本期没有任务，未计入", "no tasks in the period: left out")


def _ratings_part(dim: _Dim, by_rel: dict[str, list[dict]], min_peers: int) -> tuple[dict, Any, Any, tuple | None]:
    values, tasks, key = [], [], dim.key
    for rel, *_ in dim.raters:
        got, ids = [], []
        for r in by_rel.get(rel, ()):
            v = r["values"].get(key)
            if v is not None:
                got.append(v)
                ids.append(r["task_id"])
        values.append(tuple(got))
        tasks.append(None if rel == "peers" else ids)  # peers stay anonymous: no tasks
    values = tuple(values)
    hit = dim.memo.get(values)  # the same values give the same part (ratings are small numbers: they recur)
    if hit is None:
        hit = dim.memo[values] = _combine(dim, values, min_peers)
        if len(dim.memo) > 100_000:
            dim.memo.clear()
    parts, raw, norm, note = hit
    # per relation: [responses, raw mean, counted, rating task ids]
    return {"raters": [[p[0], p[1], p[2], t] for p, t in zip(parts, tasks)]}, raw, norm, note


def _combine(dim: _Dim, values: tuple, min_peers: int) -> tuple[list[list], Any, Any, tuple | None]:
    parts, notes, total_w, acc, kept = [], [], 0, 0, []
    for (rel, w, shown, label), got in zip(dim.raters, values):
        n = len(got)
        need = min_peers if rel == "peers" else 1
        counted = n >= need
        mean = sum(dec(v) for v in got) / n if counted else None
        parts.append([n, r2(mean), counted])
        if counted:
            total_w += w
            acc += w * mean
            kept.append((rel, shown))
        elif rel == "peers" and n:
            notes.append((f"同事评价 {n} 份，少于 {need} 份，未计入", f"{n} peer rating(s), fewer than {need}: left out"))
        else:
            notes.append((f"缺少{label[0]}", f"no {label[1].lower()} rating"))
    if not total_w:
        return parts, None, None, ("没有可计入的评价，未计入", "no ratings to count: left out")
    if len(kept) < len(dim.raters):
        zh = "、".join(f"{RELATION_LABELS[rel][0]} {w:g}" for rel, w in kept)
        en = ", ".join(f"{rel} {w:g}" for rel, w in kept)
        notes.append((f"评价人权重按已有评价重新分配（{zh}）", f"rater weights shared among the ratings present ({en})"))
    raw = acc / total_w
    note = ("；".join(n[0] for n in notes), "; ".join(n[1] for n in notes)) if notes else None
    return parts, raw, normalise(raw, dim.lo, dim.span), note


def _group(relation: str) -> str:
    return "peers" if relation in ("peer", "peers") else relation


def score_person(scheme: Scheme, figures: dict | None, ratings: list[dict], fingerprint: str = "") -> dict:
    """One person's result, as stored: the score, the band, and per dimension the numbers that explain it (expand
    with `explain` for reading). `figures`: the person's metrics (None: none recorded); `ratings`:
    [{"relation", "values": {dimension: value}, "task_id"}]."""
    with localcontext(CTX):
        return _score(scheme, figures, ratings, fingerprint)


def _score(scheme: Scheme, figures: dict | None, ratings: list[dict], fingerprint: str) -> dict:
    plan = _plan(scheme)
    ns = namespace(scheme, figures) if figures is not None else None
    no_tasks = ns is None or not (ns["assigned"] or ns["completed"] or ns["overdue_open"])
    by_rel: dict[str, list[dict]] = {}
    for r in ratings:
        by_rel.setdefault(_group(r["relation"]), []).append(r)
    computed = []
    present = 0
    for dim in plan.dims:
        out, raw, norm, note = _metric_part(dim, ns, no_tasks) if dim.formula else \
            _ratings_part(dim, by_rel, plan.min_peers)
        if raw is not None:
            present += dim.weight
        computed.append((dim, out, raw, norm, note))
    dims, score = [], 0
    for dim, out, raw, norm, note in computed:
        out["id"], out["note"] = dim.key, list(note) if note else None
        if raw is None:
            out["missing"] = True
        else:
            share = dim.weight / present
            out["raw"], out["normalised"] = r2(raw), r2(norm)
            out["effective_weight"], out["contribution"] = r2(share * 100), r2(norm * share)
            score += norm * share
        dims.append(out)
    base = {"scheme": scheme.id, "fingerprint": fingerprint, "dimensions": dims, "present_weight": float(present)}
    if not present:
        return {**base, "score": None, "band": None}
    shown = r2(score)
    return {**base, "score": shown, "score_exact": str(score.normalize()), "band": scheme.band_for(shown).id}


def explain(scheme: Scheme, stored: dict) -> dict:
    """A stored result with its scheme: per dimension name, weight, source (formula or raters and their weights),
    scale, raw → normalised → effective weight → contribution, notes; the band with its threshold and the next."""
    plan = _plan(scheme)
    by_id = {d["id"]: d for d in stored.get("dimensions", [])}
    dims = []
    for dim in plan.dims:
        got = by_id.get(dim.key, {"missing": True})
        d = {**dim.static, "missing": bool(got.get("missing")),
             "note": {"zh": got["note"][0], "en": got["note"][1]} if got.get("note") else None}
        for k in ("raw", "normalised", "effective_weight", "contribution"):
            d[k] = got.get(k)
        if dim.formula:
            d["inputs"] = got.get("inputs", {})
        else:
            d["raters"] = []
            given = got.get("raters") or [[0, None, False, []]] * len(dim.raters)
            for (rel, _, shown, label), p in zip(dim.raters, given):
                part = {"relation": rel, "label": label, "weight": shown, "responses": p[0], "raw": p[1],
                        "counted": p[2]}
                if rel != "peers":
                    part["tasks"] = p[3] or []
                d["raters"].append(part)
        dims.append(d)
    present, full = stored.get("present_weight") or 0, float(plan.full)
    missing = [d for d in dims if d["missing"]]
    notes = []
    if missing and present:
        notes.append({"zh": f"{'、'.join(d['name']['zh'] for d in missing)}未计入，其权重（共 {full - present:g}）"
                            f"已按其余维度重新归一：有效权重 = 权重 ÷ {present:g} × 100",
                      "en": f"{', '.join(d['name']['en'] for d in missing)} left out; their weight "
                            f"({full - present:g}) is shared among the rest: effective weight = weight ÷ "
                            f"{present:g} × 100"})
    if not present:
        notes.append({"zh": "没有可计分的部分，无法评定", "en": "nothing to score: no result"})
    band = scheme.band(stored["band"]) if stored.get("band") else None
    higher = [b for b in scheme.bands if band is not None and b.min > band.min]
    return {"scheme": scheme.id, "fingerprint": stored.get("fingerprint", ""), "score": stored.get("score"),
            "score_exact": stored.get("score_exact"), "band": _band(band) if band else None,
            "next_band": _band(higher[-1]) if higher else None, "dimensions": dims, "present_weight": present,
            "renormalised": bool(missing), "notes": notes}


def _band(b: Any) -> dict:
    return {"id": b.id, "name": {"zh": b.name.zh, "en": b.name.en}, "min": b.min}
