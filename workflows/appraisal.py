"""Appraisal cycles as Prefect flows: the automatic stages mapped over units, the runner that finds cycles waiting
for them, and the trigger that starts a cycle on its definition's schedule. All rules stay in engine.appraisal:
which units, what a metric or a score is, when a stage is complete, when a cycle is due.

With DUBAN_STAGES=external on the replicas, a cycle waits at its `metrics` and `scores` steps; `appraisal_stages`
(every DUBAN_STAGE_SECONDS, default 60) finds it and runs `appraisal_run`: `run_metrics` or `run_scores` as one
Prefect task per unit (retried on failure: each is idempotent per unit), then `finish_stage`, which moves the
cycle on once every unit is done."""
from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger, task, unmapped

from engine.core import dsl
from engine.appraisal import stages
from engine.appraisal.stages import waiting
from engine.appraisal.trigger import ensure_cycle, opens_cycle
from engine.runtime.site import Site
from workflows.flows import site_for
from workflows.plans import Planned, seconds_setting

RUN_FLOW, STAGES_FLOW, TRIGGER_FLOW = "duban-appraisal-run", "duban-appraisal-stages", "duban-appraisal-trigger"
PER_UNIT = {"metrics": stages.run_metrics, "scores": stages.run_scores}
QUARTER_MONTHS = {"quarterly": "1,4,7,10", "monthly": "*"}


# ------------------------------------------------------------------ one stage of one cycle, mapped over units
@task(name="units in scope")
def units_task(database_url: str | None, now: datetime | None, cycle_id: int) -> list[str]:
    return stages.units_in_scope(site_for(database_url, now), cycle_id)


@task(name="one unit", retries=2, retry_delay_seconds=5, task_run_name="{stage} of {unit}")
def unit_task(database_url: str | None, now: datetime | None, cycle_id: int, stage: str, unit: str) -> int:
    return PER_UNIT[stage](site_for(database_url, now), cycle_id, unit)


@task(name="finish the stage")
def finish_task(database_url: str | None, now: datetime | None, cycle_id: int, stage: str) -> None:
    stages.finish_stage(site_for(database_url, now), cycle_id, stage)


@flow(name=RUN_FLOW, description="An appraisal cycle's metrics or scores, one Prefect task per unit, then the "
                                 "cycle moves on (engine.appraisal.stages).")
def appraisal_run(cycle_id: int, stage: str, database_url: str | None = None, now: datetime | None = None) -> dict:
    """Run `stage` (metrics or scores) of the cycle for every unit in scope; returns people counted per unit."""
    if stage not in PER_UNIT:
        raise ValueError(f"stage must be one of {', '.join(PER_UNIT)}, not {stage!r}")
    units = units_task(database_url, now, cycle_id)
    done = unit_task.map(unmapped(database_url), unmapped(now), unmapped(cycle_id), unmapped(stage), units)
    counts = done.result()
    finish_task(database_url, now, cycle_id, stage, wait_for=done)
    get_run_logger().info("cycle %s: %s done for %d unit(s), %d people", cycle_id, stage, len(units), sum(counts))
    return {"cycle": cycle_id, "stage": stage, "people": dict(zip(units, counts))}


# ------------------------------------------------------------------ the runner: cycles waiting for a stage
# (which cycles wait is engine.appraisal.stages.waiting)
@task(name="cycles waiting for a stage")
def waiting_task(database_url: str | None, now: datetime | None) -> list[tuple[int, str]]:
    return waiting(site_for(database_url, now))


@flow(name=STAGES_FLOW, description="Run the metrics or scores of every appraisal cycle waiting for them.")
def appraisal_stages(database_url: str | None = None, now: datetime | None = None) -> list[dict]:
    return [appraisal_run(cycle_id=cycle_id, stage=stage, database_url=database_url, now=now)
            for cycle_id, stage in waiting_task(database_url, now)]


# ------------------------------------------------------------------ the trigger
@task(name="start due cycles")
def trigger_task(database_url: str | None, now: datetime | None) -> list[int]:
    return ensure_cycle(site_for(database_url, now), now)


@flow(name=TRIGGER_FLOW, description="Start every appraisal cycle its definition's trigger made due "
                                     "(engine.appraisal.trigger.ensure_cycle), once per period.")
def appraisal_trigger(database_url: str | None = None, now: datetime | None = None) -> list[int]:
    return trigger_task(database_url, now)


def trigger_cron(trigger: dsl.Trigger) -> str:
    """Cron for a definition's trigger: at its time on each of the first fifteen days of the period. The engine
    starts the cycle on the period's first working day (after the 国庆 break, say) and only once; the other
    runs find it started."""
    hour, minute = (int(x) for x in trigger.at.split(":"))
    return f"{minute} {hour} 1-15 {QUARTER_MONTHS[trigger.schedule]} *"


def trigger_plans(site: Site) -> list:
    """Deployments for the appraisal definitions that start by themselves and for per-unit stages (see
    workflows.deploy). Other recurring items (周期性事项, e.g. the monthly report) are started by the site's own
    scheduler job `recurring` (engine.runtime.recurring), which `duban serve` runs."""
    tz, out = str(site.cal.tz), []
    defs = site.definitions()
    for key, defn in defs.items():
        if defn.trigger is not None and opens_cycle(defn):
            out.append(Planned(f"{key}-trigger", appraisal_trigger, f"Starts {key} cycles: {defn.trigger.schedule} "
                               f"at {defn.trigger.at} on the period's first working day ({tz})",
                               cron=trigger_cron(defn.trigger), timezone=tz))
    per_unit = [s for d in defs.values() for s in d.steps.values() if isinstance(s, dsl.AutoStep) and s.stage
                and site.plugins.per_unit(s.stage)]
    if per_unit:
        out.append(Planned("appraisal-stages", appraisal_stages, "Appraisal metrics and scores mapped over units, "
                           "for cycles waiting for them (replicas with DUBAN_STAGES=external)",
                           interval=seconds_setting("DUBAN_STAGE_SECONDS", 60), timezone=tz))
        out.append(Planned("appraisal-run", appraisal_run, "One cycle's metrics or scores, started by hand "
                           "(parameters cycle_id, stage)", timezone=tz))
    return out
