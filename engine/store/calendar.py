"""The site's working-day overrides (definitions/calendar.yaml, then the table): reading them, and the two writes
that engine.runtime.calendar_admin (their only caller) makes."""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.parser.calendar_file import load_overrides_yaml
from engine.store.tables import CalendarOverride

T_CAL = CalendarOverride.__table__


def calendar_overrides(*, conn: Connection, yaml_path: Any = None) -> dict:
    """The site's overrides: definitions/calendar.yaml, then the table (the table wins)."""
    out = dict(load_overrides_yaml(yaml_path)) if yaml_path else {}
    for r in conn.execute(sa.select(T_CAL)):
        out[r.day] = r.working
    return out


def override_notes(*, conn: Connection) -> dict[date, str]:
    """The note of each override in the table, by date."""
    return {r.day: r.note for r in conn.execute(sa.select(T_CAL.c.day, T_CAL.c.note))}


def put_override(*, conn: Connection, day: date, working: bool, note: str = "") -> None:
    """Mark `day` working or not (replacing any override of that day)."""
    if conn.execute(T_CAL.update().where(T_CAL.c.day == day).values(working=working, note=note)).rowcount == 0:
        conn.execute(T_CAL.insert().values(day=day, working=working, note=note))


def delete_override(*, conn: Connection, day: date) -> bool:
    """Remove the override of `day`; False when there was none."""
    return conn.execute(T_CAL.delete().where(T_CAL.c.day == day)).rowcount > 0
