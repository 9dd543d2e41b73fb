"""Calibration (校准): the distribution of bands per category against the schemes' quotas (pure), and the two
calibration hooks: a change of one person's band or score with a reason, and the sign-off (no publication
before it; quotas exceeded need a written reason)."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from engine.appraisal.schemes import Scheme
from engine.core.states import InputError


def allowed(share: Fraction, n: int, rounding: str) -> int:
    """How many of `n` people a quota share allows (e.g. 20 % of 8: 2 when rounding half up)."""
    x = share * n
    if rounding == "floor":
        return math.floor(x)
    if rounding == "ceil":
        return math.ceil(x)
    return math.floor(x + Fraction(1, 2))


def distribution(results: list[Any], schemes: dict[str, Scheme]) -> list[dict]:
    """Per category: how many people are in each band, against each band's quota (`breach` when over)."""
    by_cat: dict[str, list[Any]] = {}
    for r in results:
        by_cat.setdefault(r.category, []).append(r)
    out = []
    for cat in sorted(by_cat):
        scheme, rows = schemes[cat], by_cat[cat]
        n = len(rows)
        bands = []
        for b in scheme.bands:
            count = sum(1 for r in rows if r.band == b.id)
            share = b.quota_share
            limit = allowed(share, n, scheme.quota_rounding) if share is not None else None
            bands.append({"id": b.id, "name": {"zh": b.name.zh, "en": b.name.en}, "min": b.min, "count": count,
                          "quota": str(b.quota) if b.quota is not None else None, "allowed": limit,
                          "breach": limit is not None and count > limit,
                          "people": sorted(r.login for r in rows if r.band == b.id)})
        unscored = sorted(r.login for r in rows if r.band is None)
        out.append({"category": cat, "scheme": scheme.id, "people": n, "bands": bands, "unscored": unscored,
                    "breach": any(b["breach"] for b in bands)})
    return out


def breaches(dist: list[dict]) -> list[dict]:
    return [{"category": c["category"], "band": b["id"], "count": b["count"], "allowed": b["allowed"],
             "quota": b["quota"]} for c in dist for b in c["bands"] if b["breach"]]


def new_band(scheme: Scheme, score: float | None, band: str | None, field: str = "band") -> str | None:
    """The band a change leads to: the one named (by id or name), else the one the score falls in."""
    if band:
        b = scheme.band(band)
        if b is None:
            raise InputError(field, f"没有等次“{band}”，可选：{'、'.join(x.name.zh for x in scheme.bands)}",
                             f"no band {band!r}; bands: {', '.join(x.id for x in scheme.bands)}")
        return b.id
    return scheme.band_for(score).id if score is not None else None
