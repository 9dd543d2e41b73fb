"""The site's working-day overrides (definitions/calendar.yaml, then the table)."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.parser.calendar_file import load_overrides_yaml
from engine.store.tables import CalendarOverride


def calendar_overrides(*, conn: Connection, yaml_path: Any = None) -> dict:
    """The site's overrides: definitions/calendar.yaml, then the table (the table wins)."""
    out = dict(load_overrides_yaml(yaml_path)) if yaml_path else {}
    for r in conn.execute(sa.select(CalendarOverride.__table__)):
        out[r.day] = r.working
    return out
