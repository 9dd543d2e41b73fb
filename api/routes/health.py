"""Liveness and database reachability, without sign-in (for load balancers and `duban serve` checks)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SiteDep
from api.errors import body
from api.schemas.admin import HealthPublic
from api.schemas.common import ErrorBody
from engine.store import db

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic, responses={503: {"model": ErrorBody}})
def health(site: SiteDep):
    try:
        db.ping(site.eng)
    except Exception:  # noqa: BLE001 - reported, not raised
        return JSONResponse(body("unavailable", "数据库不可用（database unavailable）"), status_code=503)
    return {"status": "ok", "time": site.clock.now(), "database": "ok"}
