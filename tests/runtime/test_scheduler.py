"""The site's one scheduler: on start it sweeps at once, so timers missed while down fire once."""
from __future__ import annotations

import time

import sqlalchemy as sa

from engine.runtime.scheduler import start_scheduler
from engine.store import db
from engine.store.tables import Event, Timer

from tests.support.clock import at
from tests.support.servers import wait_for




def fired_events(site):
    with db.read(site.eng) as c:
        return c.execute(sa.select(sa.func.count()).where(Event.__table__.c.kind.in_(["remind", "due"]))).scalar()


def test_after_downtime_the_scheduler_fires_missed_timers_once_on_start(office, site, clock):
    item = office.issue_directive(co_units=["hr"])
    office.register_and_assign(item)
    clock.set(at("2026-03-20 18:30"))  # the server was down over the reminder and the due time
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600)
    try:
        jobs = {j.id: j for j in sched.get_jobs()}
        assert set(jobs) >= {"sweep", "dispatch"}
        assert jobs["sweep"].coalesce is True and jobs["sweep"].max_instances == 1
        # the due notice for the lead and the co-handler; the reminder before it is stale and not sent (promise 10)
        assert wait_for(lambda: fired_events(site) == 2)
    finally:
        sched.shutdown(wait=True)
    started = time.time()
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600)  # a restart
    try:  # the start-up sweep has run once the job's next run moved an interval on
        assert wait_for(lambda: sched.get_job("sweep").next_run_time.timestamp() > started + 60)
    finally:
        sched.shutdown(wait=True)
    assert fired_events(site) == 2
    with db.read(site.eng) as c:
        t = Timer.__table__.c
        own = t.kind.in_(["remind", "due", "chase", "escalate"])  # the Friday reports (定期反馈) fire beside them
        assert c.execute(sa.select(sa.func.count()).where(t.state == "fired", own)).scalar() == 2
        assert c.execute(sa.select(sa.func.count()).where(t.state == "superseded", own)).scalar() == 2
