"""Recurring items (周期性事项): every definition with a `trigger:` starts one item per period by itself (the monthly
report on the 5th working day, the quarterly appraisal on the 1st), keyed `<definition>:<period>` in period_run and
inserted first (engine.runtime.commands.start_once), so a restart, a second scheduler or a person starting it by
hand get the existing item; a moment missed while the site was down starts its item at the next check. A moment in
a year the working-day calendar does not know is still kept, and said aloud in the log (never guessed silently).
The one scheduler job checks every DUBAN_TRIGGER_SECONDS and once at start-up."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from engine.clock import SystemClock
from engine.core import dsl, recurrence
from engine.core.states import NotFound
from engine.settings import settings
from engine.store import db
from engine.store.definitions import first_registered

log = logging.getLogger("duban.recurring")
JOB_ID = "recurring"
SUBJECT_HOOK = "recurring.subject"  # (definition, period) -> subject or None, for definitions without a template


@dataclass(frozen=True)
class Started:
    definition: str
    period: str
    item_id: int
    created: bool
    calendar_known: bool


def key_of(definition: str, period: str) -> str:
    """The once-only key of a period's item (the appraisal's `appraisal_quarterly:2026Q1`)."""
    return f"{definition}:{period}"


def initiator(site: Any) -> str:
    """Who starts an item that starts by itself: the office director, else an administrator."""
    for role in ("office_director", "admin"):
        people = site.org.with_role(role)
        if people:
            return people[0]
    raise NotFound("没有办公室主任或系统管理员，无法自动发起周期性事项",
                   "no office director or administrator to start a recurring item")


def subject_for(site: Any, defn: dsl.Definition, period: recurrence.Span) -> dict:
    """The trigger's subject template filled for a period; without one, a plugin's `recurring.subject` hook (the
    appraisal's: title and period), else `<period> <title>`."""
    if defn.trigger and defn.trigger.subject:
        return recurrence.fill(defn.trigger.subject, period.variables())
    hook = site.plugins.hooks.get(SUBJECT_HOOK)
    made = hook(defn, period) if hook else None
    return made or {defn.title_field: f"{period.title_zh}{defn.title.zh}"}


def start_period(site: Any, definition: str, period: recurrence.Span, *, by: str | None = None,
                 calendar_known: bool = True) -> Started:
    """Start the item of `period` once; a second call returns the existing item."""
    defn = site.definition(definition)
    iid, created = site.start_once(definition, subject_for(site, defn, period), by or initiator(site),
                                   key=key_of(definition, period.key))
    return Started(definition, period.key, iid, created, calendar_known)


def due(defn: dsl.Definition, now: datetime, cal: Any) -> recurrence.Due | None:
    t = defn.trigger
    return None if t is None else recurrence.due_now(t.schedule, t.on, t.at, t.period, now, cal)


def ensure_due(site: Any, now: datetime | None = None, *, only: set[str] | None = None) -> list[Started]:
    """Start every item a trigger made due by `now` that has not started (a moment from before the definition was
    first registered is not a missed one); `only` these definitions when given. Returns the items started now."""
    now = now or site.clock.now()
    started = []
    for key, defn in site.definitions().items():
        if (only is not None and key not in only) or defn.trigger is None:
            continue
        d = due(defn, now, site.cal)
        if d is None:
            continue
        with db.read(site.eng) as conn:
            deployed = first_registered(conn=conn, key=key)
        if deployed is not None and d.moment < deployed:
            continue
        if not d.calendar_known:
            log.warning("%s %s: 日历未收录 %s 年法定节假日，按周一至周五推算触发日 %s "
                        "(the calendar does not know %s's holidays; the trigger day %s assumes Mon-Fri)",
                        key, d.period.key, d.moment.year, d.moment.date(), d.moment.year, d.moment.date())
        s = start_period(site, key, d.period, calendar_known=d.calendar_known)
        if s.created:
            log.info("started %s for %s (item %s)", key, d.period.key, s.item_id)
            started.append(s)
    return started


def run(site: Any) -> None:
    """The scheduler job: never raises (a failure is logged and retried at the next run)."""
    try:
        ensure_due(site)
    except Exception:  # noqa: BLE001
        log.exception("recurring trigger failed")


def scheduler_jobs(site: Any) -> list[dict]:
    """APScheduler add_job kwargs: check every DUBAN_TRIGGER_SECONDS (60) against the site clock, and once at
    start-up, so a moment missed while the site was down fires once when it comes back."""
    if not any(d.trigger for d in site.definitions().values()):
        return []
    return [{"func": run, "trigger": IntervalTrigger(seconds=settings().trigger_seconds), "args": [site],
             "id": JOB_ID, "name": "recurring items 周期性事项自动发起",
             "next_run_time": SystemClock().now() + timedelta(seconds=0)}]
