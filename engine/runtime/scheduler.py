"""The one in-process scheduler of a site (APScheduler 3.x): the timer sweep, the outbox dispatch, the
housekeeping purge and the jobs of the site's plugins. With `gate` (duban serve: the server lease's scheduler role,
engine.runtime.lease) every job runs only while the gate says so: of several servers on one database, one runs the
jobs and the others stand by to take over."""
from __future__ import annotations

import functools
import logging
from typing import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from engine.clock import SystemClock
from engine.runtime.site import Site
from engine.settings import settings
from engine.runtime import housekeeping, recurring
from engine.runtime.attachments import collect_garbage
from engine.runtime.outbox import dispatch
from engine.runtime.sweep import sweep

log = logging.getLogger("duban.scheduler")


def run_sweep(site: Site) -> None:
    result = sweep(site)
    if result.fired or result.failed:
        log.info("sweep fired %d timer(s), %d failed", len(result.fired), len(result.failed),
                 extra={"fired": len(result.fired), "failed": len(result.failed)})


def run_dispatch(site: Site) -> None:
    dispatch(site)


def run_purge(site: Site) -> dict[str, int]:
    """The housekeeping purge on real time (tokens and keys are stamped with it, also in drill mode)."""
    return housekeeping.purge(site, SystemClock().now())
FILES_GC_HOURS = 6


def run_files_gc(site: Site) -> None:
    """Remove the stored bytes no attachment refers to, past the grace period (as `duban files gc`)."""
    try:
        gone = collect_garbage(site, SystemClock().now())  # the store's write times are wall-clock times
    except Exception:  # noqa: BLE001 - a store that is down now is tried again at the next run
        log.exception("files gc failed")
        return
    if gone:
        log.info("files gc removed %d unreferenced file(s)", len(gone))


def gated(fn: Callable, gate: Callable[[], bool]) -> Callable:
    """`fn`, run only when `gate()` is true (a server that is not the scheduler's holder skips its turn)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return fn(*args, **kwargs) if gate() else None
    return run


def start_scheduler(site: Site, *, sweep_seconds: float | None = None, dispatch_seconds: float | None = None,
                    purge_seconds: float | None = None, gate: Callable[[], bool] | None = None) -> BackgroundScheduler:
    """Start the site's scheduler. Jobs only drive sweeps; timers themselves are database rows, so a
    restart loses nothing and the first sweep at start fires what came due while the site was down, once."""
    sweep_seconds = sweep_seconds or settings().sweep_seconds
    dispatch_seconds = dispatch_seconds or settings().dispatch_seconds
    purge_seconds = purge_seconds or settings().purge_seconds
    sched = BackgroundScheduler(timezone=str(site.cal.tz),
                                job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    now = SystemClock().now()  # the scheduler runs on real time; sweeps read the site clock
    sched.add_job(run_sweep, IntervalTrigger(seconds=sweep_seconds), args=[site], id="sweep",
                  name="timer sweep 定时催办扫描", next_run_time=now)
    sched.add_job(run_dispatch, IntervalTrigger(seconds=dispatch_seconds), args=[site], id="dispatch",
                  name="outbox dispatch 消息发送", next_run_time=now)
    sched.add_job(run_purge, IntervalTrigger(seconds=purge_seconds), args=[site], id="purge",
                  name="housekeeping purge 清理过期令牌与记录", next_run_time=now, replace_existing=True)
    sched.add_job(run_files_gc, IntervalTrigger(hours=FILES_GC_HOURS), args=[site], id="files_gc",
                  name="attachment bytes clean-up 附件清理")
    for job in recurring.scheduler_jobs(site):  # definitions that start by themselves (the appraisal, reports)
        sched.add_job(**job)
    for make in site.plugins.jobs:
        for job in make(site):
            sched.add_job(**job)
    if gate is not None:
        for job in sched.get_jobs():
            job.modify(func=gated(job.func, gate))
    sched.start()
    return sched
