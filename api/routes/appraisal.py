"""Appraisal cycles (考核周期): list them, start one by hand for a period (the same key the trigger uses: a second
start answers 409 with the existing cycle in `details.cycle`), read the results the caller may see, one person's
explained result, and the calibration view. Ratings, calibration, sign-off and appeals are the cycle's ordinary
task actions (POST /tasks/{id}/actions/{action})."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, CycleId, SiteDep
from api.routes import ERRORS
from engine.appraisal import views
from engine.appraisal.periods import parse_period
from engine.appraisal.trigger import start_cycle
from engine.core.states import Conflict

router = APIRouter(prefix="/appraisal", tags=["appraisal"], responses={401: ERRORS[401], 422: ERRORS[422]})
Login = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[\w.\-]+$", description="a person's login")]


class Label(BaseModel):
    zh: str
    en: str


class SchemePublic(BaseModel):
    id: str
    fingerprint: str = Field(description="sha256 (16 hex) of the scheme frozen when the cycle opened")
    file: str


class CycleCreate(BaseModel):
    period: str = Field(min_length=1, max_length=16, examples=["2026Q1"], description="2026Q1, or a month 2026-03")


class CyclePublic(BaseModel):
    id: int
    period: str
    definition: str
    state: str = Field(description="open measured scored calibrated published final")
    state_label: Label
    instance_id: int = Field(description="the item running the cycle: its tasks are the ratings and appeals")
    serial: str
    title: str
    item_state: str
    current_step: str | None
    current_step_title: Label | None
    revision: int = Field(description="publication revision: 1 when published, +1 per result an appeal changed")
    people: int
    period_start: datetime
    period_end: datetime
    opened_at: datetime
    scored_at: datetime | None
    calibrated_at: datetime | None
    published_at: datetime | None
    finalized_at: datetime | None
    schemes: dict[str, SchemePublic]
    units: list[str] | None = None


class BandPublic(BaseModel):
    id: str
    zh: str
    en: str


class ResultPublic(BaseModel):
    person: str
    name: Label
    unit: str
    category: str
    score: float | None
    band: BandPublic | None
    computed_score: float | None
    computed_band: BandPublic | None
    changed: bool = Field(description="calibration or an appeal changed the computed result")
    appeal: str | None = Field(description="open, upheld or adjusted")
    revision: int
    fingerprint: str


class ResultsPage(BaseModel):
    cycle: int
    period: str
    state: str
    revision: int
    results: list[ResultPublic]


class ChangePublic(BaseModel):
    kind: str = Field(description="calibration, appeal, upheld")
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    by: str
    at: datetime
    task_id: int | None


class ResultDetail(ResultPublic):
    cycle: int
    period: str
    state: str
    supervisor: str | None
    scheme: str | None
    score_exact: str | None = Field(description="the exact score as a fraction; `score` is it rounded half up")
    band_detail: dict[str, Any] | None = Field(description="the band with its threshold `min`")
    next_band: dict[str, Any] | None
    present_weight: float | None = Field(description="the weights of the parts counted (100 unless some are missing)")
    renormalised: bool | None
    notes: list[Label]
    dimensions: list[dict[str, Any]] = Field(description="per dimension: source, raw, normalised, weight, effective "
                                                         "weight, contribution, note, evidence task ids")
    metrics: dict[str, dict[str, Any]] = Field(description="figure -> {value, tasks}")
    changes: list[ChangePublic]


class CalibrationPublic(BaseModel):
    cycle: int
    period: str
    state: str
    distribution: list[dict[str, Any]] = Field(description="per category: bands with count, quota, allowed, breach")
    breaches: list[dict[str, Any]]
    signed_off_at: datetime | None
    signed_off_by: str | None
    changes: list[dict[str, Any]]


@router.get("/cycles", response_model=list[CyclePublic])
def list_cycles(user: CurrentUser, site: SiteDep):
    """Every appraisal cycle, newest period first."""
    return views.list_cycles(site)


@router.post("/cycles", response_model=CyclePublic, status_code=201, responses={403: ERRORS[403], 409: ERRORS[409]})
def start(body: CycleCreate, user: CurrentUser, site: SiteDep, response: Response):
    """Start the cycle of a period by hand (office director, administrators). Keyed by period like the trigger:
    if the period's cycle exists already, 409 with `details.cycle` (its id)."""
    views.require_starter(user.actor)
    period = parse_period(body.period)
    cycle_id, created = start_cycle(site, period.key, by=user.login)
    if not created:
        raise Conflict(f"{period.key} 的考核周期已存在", f"the {period.key} cycle exists already",
                       {"cycle": cycle_id, "period": period.key})
    response.headers["Location"] = f"/api/v1/appraisal/cycles/{cycle_id}"
    return views.cycle_view(site, cycle_id)


@router.get("/cycles/{cycle_id}", response_model=CyclePublic, responses={404: ERRORS[404]})
def get_cycle(cycle_id: CycleId, user: CurrentUser, site: SiteDep):
    """One cycle: its state, the step its item is at, the frozen schemes' fingerprints, its units."""
    return views.cycle_view(site, cycle_id)


@router.get("/cycles/{cycle_id}/results", response_model=ResultsPage, responses={404: ERRORS[404]})
def results(cycle_id: CycleId, user: CurrentUser, site: SiteDep):
    """The results the caller may see: all for the office director, leaders, auditors and administrators; once
    published, their own, and a unit head their unit's."""
    return views.results(site, cycle_id, user.login)


@router.get("/cycles/{cycle_id}/results/{person}", response_model=ResultDetail, responses={404: ERRORS[404]})
def result(cycle_id: CycleId, person: Login, user: CurrentUser, site: SiteDep):
    """One person's explained result (404 for a result the caller may not see)."""
    return views.result(site, cycle_id, person, user.login)


@router.get("/cycles/{cycle_id}/calibration", response_model=CalibrationPublic,
            responses={403: ERRORS[403], 404: ERRORS[404]})
def calibration(cycle_id: CycleId, user: CurrentUser, site: SiteDep):
    """The band distribution per category against the quotas, and every change recorded."""
    return views.calibration(site, cycle_id, user.login)
