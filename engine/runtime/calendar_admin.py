"""Calendar administration: the only writer of the site's working-day overrides. Every change is audited in the
same transaction (engine.store.audit.record), whoever makes it: an administrator through the API or the admin
page (`set_calendar_day`, `unset_calendar_day`), or an operator with `duban calendar set/unset` (engine.cli.calendar)."""
from __future__ import annotations

from datetime import date

from engine.core import policy
from engine.core.states import NotFound
from engine.runtime.site import Site
from engine.store import audit, db, calendar as calendar_store


def set_calendar_day(site: Site, *, login: str | None, day: date, working: bool, note: str = "",
                     via: str = "api") -> dict:
    """Mark a date working or not, audited; `login` (when given) must be an administrator. Returns the day as the
    calendar now describes it."""
    if login is not None:
        policy.require_admin(site.actor(login))
    note_zh, note_en = (f"：{note}", f": {note}") if note else ("", "")
    with db.write(site.eng) as conn:
        calendar_store.put_override(conn=conn, day=day, working=working, note=note)
        audit.record(conn=conn, at=site.clock.now(), actor=login, kind="calendar",
                     zh=f"将 {day} 设为{'工作日' if working else '休息日'}{note_zh}",
                     en=f"set {day} as a {'working day' if working else 'day off'}{note_en}",
                     data={"date": day.isoformat(), "working": working, "via": via})
    _reload(site)
    return site.cal.describe_day(day)


def unset_calendar_day(site: Site, *, login: str | None, day: date, via: str = "api") -> dict:
    """Remove a date's override (the statutory calendar applies again), audited; NotFound when there is none."""
    if login is not None:
        policy.require_admin(site.actor(login))
    with db.write(site.eng) as conn:
        if not calendar_store.delete_override(conn=conn, day=day):
            raise NotFound(f"{day} 没有自定义设置", f"{day} has no override", {"date": day.isoformat()})
        audit.record(conn=conn, at=site.clock.now(), actor=login, kind="calendar", zh=f"取消 {day} 的自定义设置",
                     en=f"removed the override of {day}", data={"date": day.isoformat(), "via": via})
    _reload(site)
    return site.cal.describe_day(day)


def _reload(site: Site) -> None:
    """Drop the cached calendar and load the new one now (before request threads race to)."""
    site.reload()
    site.org, site.cal, site.definitions()


def set_override(site: Site, day: date, working: bool, note: str = "", *, via: str = "cli") -> None:
    """An operator's override (no sign-in: whoever holds the database); audited like an administrator's."""
    set_calendar_day(site, login=None, day=day, working=working, note=note, via=via)


def unset_override(site: Site, day: date, *, via: str = "cli") -> bool:
    """Remove an operator's override; False when there was none (nothing is recorded then)."""
    try:
        unset_calendar_day(site, login=None, day=day, via=via)
    except NotFound:
        return False
    return True
