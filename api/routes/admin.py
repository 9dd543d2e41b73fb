"""Administration: the drill clock (only with `duban serve --simulated-clock`)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from api import drill
from api.deps import CurrentUser, SiteDep
from api.routes import ERRORS
from api.schemas.admin import ClockMove, ClockPublic

router = APIRouter(prefix="/admin", tags=["admin"], responses={401: ERRORS[401], 403: ERRORS[403],
                                                                404: ERRORS[404], 422: ERRORS[422]})


@router.post("/clock", response_model=ClockPublic)
def move_clock(body: ClockMove, user: CurrentUser, site: SiteDep, request: Request):
    """Drill mode: move the simulated clock (`{"advance": "P3D"}` or `{"to": "..."}`) and run a timer sweep.
    Without --simulated-clock this answers 404 (drill_mode_off)."""
    return drill.move_clock(site, enabled=request.app.state.simulated_clock, login=user.login,
                            advance=body.advance, to=body.to)
