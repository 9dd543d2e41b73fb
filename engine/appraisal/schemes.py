"""Appraisal schemes (考核方案), one YAML file per role category: load and check them (every problem as
`file:line: message`; weights must total 100), and fingerprint them (frozen when a cycle opens)."""
from __future__ import annotations

import hashlib
import json
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from engine.core import expr
from engine.parser.definition import words
from engine.parser.loader import definitions_dir
from engine.parser.positions import Located, line_key
from engine.core.dsl import Label, Strict
from engine.core.states import DefinitionError
from engine.settings import settings

RELATIONS = ("self", "supervisor", "peers")
RELATION_LABELS = {"self": ("自评", "Self"), "supervisor": ("上级评价", "Supervisor"), "peers": ("同事评价", "Peer")}
# the names a metric formula may use (engine.appraisal.metrics computes them; `credit` comes from co_handling)
METRIC_NAMES = {
    "assigned": ("承办数", "tasks received"), "completed": ("办结数", "tasks completed"),
    "completed_on_time": ("按期办结数", "completed on time"), "late": ("超期办结数", "completed late"),
    "on_time_rate": ("按期办结率", "on-time rate"), "overdue_open": ("超期未办结数", "overdue, still open"),
    "avg_handling_days": ("平均办理工作日", "average handling time (working days)"),
    "chases": ("被催办次数", "chases received"), "escalations": ("升级（黄红牌）次数", "escalations"),
    "transfers_out": ("转办数", "transferred on"), "returns": ("退回重办数", "returned for rework"),
    "co_handled": ("协办数", "co-handled"), "completed_lead": ("主办办结数", "completed as lead"),
    "completed_single": ("独立办结数", "completed alone"), "extensions": ("获准延期数", "extensions granted"),
    "extensions_after_due": ("超期后获准延期数", "extensions granted after the due date"),
    "reports_missed": ("未按期反馈次数", "report windows missed"),
    "credit": ("办件积分", "handling credit"),
    "satisfaction": ("办结评价满意度", "leaders' satisfaction"), "rated": ("获评价事项数", "items rated"),
    "basically_satisfied": ("基本满意数", "rated basically satisfied"), "unsatisfied": ("不满意数", "rated unsatisfied"),
}
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class Scale(Strict):
    """The range of a raw value: normalised = (raw − min) / (max − min) × 100, clamped to 0–100."""

    min: float = 0
    max: float = 100

    @model_validator(mode="after")
    def _order(self) -> "Scale":
        if not self.max > self.min:
            raise ValueError(f"scale: max ({self.max:g}) must be greater than min ({self.min:g})")
        return self


def _raters(v: dict[str, Any]) -> dict[str, Any]:
    for k, w in v.items():
        if k not in RELATIONS:
            raise ValueError(f"unknown rater {k!r}; raters are {', '.join(RELATIONS)}")
        if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
            raise ValueError(f"rater weight of {k} must be a number ≥ 0, got {w!r}")
    if not math.isclose(sum(v.values()), 100):
        raise ValueError(f"rater weights total {sum(v.values()):g}, not 100")
    return v


class Ratings(Strict):
    """A dimension rated by people: each relation's value on `scale`, combined by rater weights."""

    scale: Scale = Scale(min=0, max=5)
    raters: dict[str, float] | None = None  # default: the scheme's

    _r = field_validator("raters")(lambda cls, v: v if v is None else _raters(v))


class Dimension(Strict):
    name: Label
    weight: float = Field(gt=0)
    metric: str | None = None  # a safe expression over the task metrics
    scale: Scale = Scale()  # of the metric's value
    ratings: Ratings | None = None

    @field_validator("ratings", mode="before")
    @classmethod
    def _ratings(cls, v: Any) -> Any:
        return {} if v is True else v

    @field_validator("metric")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                expr.check(v, set(METRIC_NAMES))
            except expr.ExprError as e:
                raise ValueError(str(e)) from None
        return v

    @model_validator(mode="after")
    def _one_source(self) -> "Dimension":
        if (self.metric is None) == (self.ratings is None):
            raise ValueError("a dimension has exactly one source: `metric` (a formula) or `ratings`")
        return self


class Band(Strict):
    id: str
    name: Label
    min: float = Field(ge=0, le=100)
    quota: str | float | None = None  # e.g. 20% — at most this share of a category

    @property
    def quota_share(self) -> Fraction | None:
        if self.quota is None:
            return None
        m = _PERCENT.match(str(self.quota))
        return Fraction(m.group(1)) / 100 if m else Fraction(str(self.quota))

    @field_validator("quota")
    @classmethod
    def _quota(cls, v: Any) -> Any:
        if v is None:
            return v
        m = _PERCENT.match(str(v))
        share = float(m.group(1)) / 100 if m else (float(v) if isinstance(v, (int, float)) else None)
        if share is None or not 0 <= share <= 1:
            raise ValueError(f"quota {v!r}: write a share such as 20%")
        return v


class PeersRule(Strict):
    min_responses: int = Field(default=2, ge=1)  # peer ratings count (and are shown) only from this many
    max_raters: int = Field(default=3, ge=0)  # peers suggested per person from co-handling history


class CoHandling(Strict):
    """Credit for a completed task by its part: alone 1, as lead `lead`, as co-handler `co` (the `credit` metric)."""

    lead: float = Field(default=1.0, ge=0)
    co: float = Field(default=0.5, ge=0)


class Scheme(Strict):
    id: str
    category: str
    title: Label
    version: int = Field(default=1, ge=1)
    raters: dict[str, float] = Field(default_factory=lambda: {"self": 10, "supervisor": 70, "peers": 20})
    peers: PeersRule = PeersRule()
    co_handling: CoHandling = CoHandling()
    quota_rounding: Literal["floor", "round", "ceil"] = "round"
    dimensions: dict[str, Dimension]
    bands: list[Band] = Field(min_length=1)

    _r = field_validator("raters")(lambda cls, v: _raters(v))

    def raters_of(self, dim: Dimension) -> dict[str, float]:
        return dim.ratings.raters if dim.ratings and dim.ratings.raters is not None else self.raters

    def band(self, band_id: str) -> Band | None:
        return next((b for b in self.bands if b.id == band_id or b.name.zh == band_id), None)

    def band_for(self, score: float) -> Band:
        return next(b for b in self.bands if score >= b.min)

    def fingerprint(self) -> str:
        """sha256 of the scheme's meaning (comments and layout do not change it)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _checks(s: Scheme, at) -> list[str]:  # noqa: ANN001
    problems = []
    total = sum(d.weight for d in s.dimensions.values())
    if not math.isclose(total, 100):
        problems.append(f"{at('dimensions')}: the dimension weights total {total:g}, not 100 "
                        f"({' + '.join(f'{k} {d.weight:g}' for k, d in s.dimensions.items())})")
    mins = [b.min for b in s.bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        problems.append(f"{at('bands')}: bands go from the highest threshold down, each lower than the one before")
    elif mins[-1] != 0:
        problems.append(f"{at('bands', len(mins) - 1, 'min')}: the last band must start at 0, "
                        f"so every score has a band")
    ids = [b.id for b in s.bands]
    for i, b in enumerate(s.bands):
        if ids.index(b.id) != i:
            problems.append(f"{at('bands', i, 'id')}: band {b.id!r} is listed twice")
    return problems


def parse_scheme(text: str, filename: str = "<scheme>") -> Scheme:
    """Parse and check one scheme; raise DefinitionError listing every problem as `file:line: message`."""
    located = Located(text, filename)
    problems = list(located.problems)
    if located.data is None and not problems:
        problems.append(f"{filename}:1: the file is empty")
    if not problems and not isinstance(located.data, dict):
        problems.append(f"{filename}:1: a scheme is a mapping with id, category, title, dimensions, bands")
    if problems:
        raise DefinitionError(problems)

    def at(*path: Any) -> str:
        return f"{filename}:{located.line(path)}"

    try:
        scheme = Scheme.model_validate(located.data)
    except ValidationError as e:
        raise DefinitionError(sorted({f"{at(*err['loc'])}: {words(err)}" for err in e.errors()},
                                     key=line_key)) from None
    problems = _checks(scheme, at)
    if problems:
        raise DefinitionError(problems)
    return scheme


def schemes_dir() -> Path:
    """DUBAN_SCHEMES_DIR, else the shipped definitions/schemes."""
    return Path(settings().schemes_dir or definitions_dir() / "schemes")


def load_dir(path: str | Path | None = None) -> dict[str, tuple[Scheme, str, str]]:
    """Every scheme of a folder by category: (scheme, source text, file name); all problems raised together."""
    folder = Path(path) if path else schemes_dir()
    out: dict[str, tuple[Scheme, str, str]] = {}
    problems: list[str] = []
    for p in sorted(folder.glob("*.yaml")):
        text = p.read_text(encoding="utf-8")
        try:
            s = parse_scheme(text, str(p))
        except DefinitionError as e:
            problems.extend(e.problems)
            continue
        if s.category in out:
            problems.append(f"{p}:1: a second scheme for category {s.category!r} (also {out[s.category][2]})")
            continue
        out[s.category] = (s, text, str(p))
    if problems:
        raise DefinitionError(problems)
    return out
