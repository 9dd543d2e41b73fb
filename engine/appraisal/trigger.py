"""Cycles that start by themselves: a definition's `trigger:` (09:00 on the first working day of each quarter, site
time) starts the cycle of the period that just ended, exactly once per period (keyed in period_run, inserted
first: a restart, a second scheduler or a person starting it by hand get the existing cycle), and a trigger missed
while the site was down starts its cycle at the next start-up."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from engine.appraisal import store
from engine.appraisal.periods import due_period, parse_period
from engine.clock import SystemClock
from engine.core.states import NotFound
from engine.store import db
from engine.settings import settings

log = logging.getLogger("duban.appraisal")
DEFINITION = "appraisal_quarterly"


def period_key(definition: str, period: str) -> str:
    return f"{definition}:{period}"


def initiator(site: Any) -> str:
    """Who starts a cycle that starts by itself: the office director (who calibrates), else an administrator."""
    for role in ("office_director", "admin"):
        people = site.org.with_role(role)
        if people:
            return people[0]
    raise NotFound("没有办公室主任或系统管理员，无法发起考核", "no office director or administrator to start the cycle")


def start_cycle(site: Any, period: str, *, by: str | None = None, definition: str = DEFINITION) -> tuple[int, bool]:
    """Start the cycle of `period` once: (cycle id, started now). A second call returns the existing cycle."""
    p = parse_period(period)
    title = f"{p.title_zh}绩效考核"
    iid, created = site.start_once(definition, {"title": title, "period": p.key}, by or initiator(site),
                                   key=period_key(definition, p.key))
    with db.read(site.eng) as conn:
        return store.cycle(conn=conn, instance_id=iid).id, created


def _deployed_at(site: Any, definition: str) -> datetime | None:
    with db.read(site.eng) as conn:
        return store.first_deployed(conn=conn, definition=definition)


def ensure_cycle(site: Any, now: datetime | None = None) -> list[int]:
    """Start every cycle a trigger made due by `now` and that has not started (a trigger moment from before the
    definition was deployed is not a missed one). Returns the ids of cycles started now."""
    now = now or site.clock.now()
    started = []
    for key, defn in site.definitions().items():
        if defn.trigger is None:
            continue
        due = due_period(defn.trigger.schedule, defn.trigger.at, defn.trigger.period, now, site.cal)
        if due is None:
            continue
        period, moment = due
        deployed = _deployed_at(site, key)
        if deployed is not None and moment < deployed:
            continue
        cycle_id, created = start_cycle(site, period.key, definition=key)
        if created:
            log.info("started %s for %s (cycle %s)", key, period.key, cycle_id)
            started.append(cycle_id)
    return started


def run_trigger(site: Any) -> None:
    """The scheduler job: never raises (a failure is logged and retried at the next run)."""
    try:
        ensure_cycle(site)
    except Exception:  # noqa: BLE001
        log.exception("appraisal trigger failed")


def scheduler_jobs(site: Any) -> list[dict]:
    """APScheduler add_job kwargs: check every DUBAN_TRIGGER_SECONDS (60) against the site clock, and once at
    start-up, so a trigger missed while the site was down fires once when it comes back."""
    if not any(d.trigger for d in site.definitions().values()):
        return []
    seconds = settings().trigger_seconds
    return [{"func": run_trigger, "trigger": IntervalTrigger(seconds=seconds), "args": [site],
             "id": "appraisal_trigger", "name": "appraisal trigger 考核周期自动开启",
             "next_run_time": SystemClock().now() + timedelta(seconds=0)}]
