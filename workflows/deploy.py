"""`duban deploy`: the site's periodic work as Prefect deployments on a `process` work pool.

The schedules come from the project's settings and the definitions' own triggers: the timer sweep every
DUBAN_SWEEP_SECONDS (30), the outbox dispatch every DUBAN_DISPATCH_SECONDS (5), the housekeeping purge every
DUBAN_PURGE_SECONDS (3600), and each definition that
starts by itself (the quarterly appraisal) on its trigger, in the site's time zone. Without `--apply` the
plan is printed; with it the deployments are registered on the Prefect server named by PREFECT_API_URL
(the work pool, DUBAN_PREFECT_POOL or `duban`, is created when missing). Deployments carry no database
URL: flow runs read DUBAN_DATABASE_URL from the worker's environment.
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from workflows import OFFLINE_ENV
from workflows.plans import Planned, seconds_setting
from engine.settings import settings

DEFAULT_POOL = "duban"
TAGS = ["duban"]


def plan(site) -> list[Planned]:  # noqa: ANN001 - engine.runtime.Site
    """The deployments this site needs, with their schedules."""
    from workflows import flows

    tz = str(site.cal.tz)
    out = [
        Planned("sweep", flows.timer_sweep, "Timer sweep: reminders, chases, escalations, timeouts (定时催办扫描)",
                interval=seconds_setting("DUBAN_SWEEP_SECONDS", 30), timezone=tz),
        Planned("dispatch", flows.outbox_dispatch, "Outbox dispatch: messages to DingTalk, WeCom, Feishu, mail, "
                "webhooks (消息发送)", interval=seconds_setting("DUBAN_DISPATCH_SECONDS", 5), timezone=tz),
        Planned("purge", flows.housekeeping_purge, "Housekeeping: expired tokens, old sign-in attempts and "
                "idempotency keys (清理过期令牌与记录)", interval=seconds_setting("DUBAN_PURGE_SECONDS", 3600),
                timezone=tz),
    ]
    out += trigger_plans(site)
    return out


def trigger_plans(site) -> list[Planned]:  # noqa: ANN001
    """The appraisal deployments: each definition's `trigger:`, and the runner of per-unit stages."""
    try:
        from workflows.appraisal import trigger_plans as plans
    except ImportError:  # the appraisal flows need engine.appraisal
        return []
    return plans(site)


def build(site, pool: str) -> list[Any]:  # noqa: ANN001
    """RunnerDeployments for `plan(site)` on the work pool, with module entrypoints (nothing to upload:
    the worker runs in an environment where Duban is installed)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import EntrypointType

    return [p.flow.to_deployment(
        name=p.name, schedules=p.schedules(), parameters=p.parameters, description=p.description, tags=TAGS,
        work_pool_name=pool, entrypoint_type=EntrypointType.MODULE_PATH, job_variables={"env": dict(OFFLINE_ENV)},
        # one run at a time: a run that finds the previous one still going is cancelled, not queued, so a
        # worker back from downtime does not replay every missed interval (the sweep catches up by itself)
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
    ) for p in plan(site)]


def ensure_pool(pool: str) -> bool:
    """Create the `process` work pool if it is missing; True when created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
            return False
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type="process", base_job_template=ProcessWorker.get_default_base_job_template()))
            return True


def apply(site, pool: str) -> list[tuple[str, str]]:  # noqa: ANN001
    """Register the deployments; returns (full name, id) of each."""
    from prefect import deploy

    deployments = build(site, pool)
    ids = deploy(*deployments, work_pool_name=pool, build=False, push=False, print_next_steps_message=False,
                 ignore_warnings=True)
    return [(f"{d.flow_name}/{d.name}", str(i)) for d, i in zip(deployments, ids)]


def deploy_command(args: argparse.Namespace) -> int:
    """`duban deploy [--apply] [--db URL]`."""
    from engine.runtime.boot import open_site

    pool = settings().prefect_pool or DEFAULT_POOL
    site = open_site(args.db)  # migrated and definitions registered, as `duban serve` leaves it
    try:
        planned = plan(site)
        print(f"Prefect deployments for this site (work pool {pool!r}, type process):")
        for p in planned:
            print(f"  {p.flow.name + '/' + p.name:<58} {p.schedule_text:<38} {p.description}")
        if not args.apply:
            print("Nothing registered. Run `duban deploy --apply` with PREFECT_API_URL set to register them.")
            return 0
        api = os.environ.get("PREFECT_API_URL")
        if not api:
            print("duban deploy: set PREFECT_API_URL to your Prefect server first, "
                  "e.g. PREFECT_API_URL=http://127.0.0.1:4200/api")
            return 2
        if ensure_pool(pool):
            print(f"created work pool {pool!r} (type process)")
        for name, ident in apply(site, pool):
            print(f"  registered {name}  ({ident})")
        print(f"Done. Start a worker where DUBAN_DATABASE_URL is set: prefect worker start --pool {pool}")
        return 0
    finally:
        site.eng.dispose()
