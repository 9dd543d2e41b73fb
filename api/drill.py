"""The drill clock's route side: refuse when the site runs no drill; engine.runtime.drill does the rest."""
from __future__ import annotations

from datetime import datetime

from api.errors import DrillModeOff
from engine.clock import ManualClock
from engine.runtime import drill
from engine.runtime.site import Site


def move_clock(site: Site, *, enabled: bool, login: str, advance: str | None, to: datetime | None) -> dict:
    """Move the drill clock (administrators only) and sweep; outside drill mode DrillModeOff (404 drill_mode_off)."""
    if not enabled or not isinstance(site.clock, ManualClock):
        raise DrillModeOff.of("drill_off")
    return drill.move_clock(site, login=login, advance=advance, to=to)
