"""`duban deploy`: deployments built from the settings and the definitions, registered on a Prefect server, and
run by a real `prefect worker` on a process work pool."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from engine.store import db
from engine.store.tables import Timer
from tests.support.clock import at
from tests.support.office import Office

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_follows_the_settings_and_the_site_time_zone(site, monkeypatch):
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy

    from workflows.deploy import build, plan

    planned = {p.name: p for p in plan(site)}
    assert planned["sweep"].interval == timedelta(seconds=30) and planned["sweep"].timezone == "Asia/Shanghai"
    assert planned["dispatch"].interval == timedelta(seconds=5)
    assert planned["purge"].interval == timedelta(hours=1)  # housekeeping also runs when Prefect is in charge
    monkeypatch.setenv("DUBAN_SWEEP_SECONDS", "60")
    deployments = {d.name: d for d in build(site, "city-office")}
    sweep = deployments["sweep"]
    assert sweep.entrypoint == "workflows.flows.timer_sweep" and sweep.work_pool_name == "city-office"
    assert sweep.schedules[0].schedule.interval == timedelta(seconds=60)
    assert sweep.schedules[0].schedule.timezone == "Asia/Shanghai"
    assert sweep.concurrency_options.collision_strategy == ConcurrencyLimitStrategy.CANCEL_NEW
    assert sweep.job_variables["env"] == {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    assert all("database_url" not in d.parameters for d in deployments.values())  # credentials stay on workers


def test_registered_deployments_run_on_a_process_worker(prefect_server, site, clock, database_url, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter
    from prefect.deployments import run_deployment

    from workflows.deploy import apply, ensure_pool

    office = Office(site, clock)
    office.register_and_assign(office.issue_directive(co_units=["hr"]))
    assert ensure_pool("duban-test") is True and ensure_pool("duban-test") is False
    names = dict(apply(site, "duban-test"))
    assert set(names) == {"duban-timer-sweep/sweep", "duban-outbox-dispatch/dispatch",
                          "duban-appraisal-trigger/appraisal_quarterly-trigger",
                          "duban-appraisal-stages/appraisal-stages", "duban-appraisal-run/appraisal-run",
                          "duban-housekeeping/purge"}
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("duban-test").type == "process"
        d = client.read_deployment_by_name("duban-timer-sweep/sweep")
        assert [(s.schedule.interval, s.schedule.timezone) for s in d.schedules] == [
            (timedelta(seconds=30), "Asia/Shanghai")]
        d = client.read_deployment_by_name("duban-appraisal-trigger/appraisal_quarterly-trigger")
        assert [(s.schedule.cron, s.schedule.timezone) for s in d.schedules] == [
            ("0 9 1-15 1,4,7,10 *", "Asia/Shanghai")]  # from the definition's `trigger:`, in the site's zone
        assert client.read_deployment_by_name("duban-appraisal-run/appraisal-run").schedules == []
        d = client.read_deployment_by_name("duban-appraisal-trigger/appraisal_quarterly-trigger")
        # what the Prefect server's scheduler does every minute (its bulk insert broke on SQLAlchemy 2.1);
        # runs of the quarterly trigger lie in January, out of the worker's reach below
        assert client.request("POST", "/deployments/{id}/schedule", path_params={"id": d.id},
                              json={"min_runs": 3}).status_code == 200
        assert len(client.read_flow_runs(deployment_filter=DeploymentFilter(id={"any_": [d.id]}))) >= 3

    due = at("2026-03-20 18:30")  # past the reminder and the at-due notice of both handling tasks
    run = run_deployment("duban-timer-sweep/sweep", parameters={"database_url": database_url, "now": due.isoformat()},
                         timeout=0)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "DUBAN_DATABASE_URL": database_url}
    worker = subprocess.run([sys.executable, "-m", "prefect", "worker", "start", "--pool", "duban-test", "--run-once",
                             "--install-policy", "never"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)  # a directory without the source: the installed package is what runs
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
    assert state.is_completed(), (state, worker.stdout[-3000:], worker.stderr[-3000:])
    with db.read(site.eng) as conn:
        t = Timer.__table__.c
        fired = conn.execute(sa.select(t.kind, sa.func.count()).where(t.state == "fired").group_by(t.kind)).all()
        stale = conn.execute(sa.select(t.kind, sa.func.count()).where(t.state == "superseded").group_by(t.kind)).all()
    # only the newest message per task goes out: the at-due notice; the reminder before it is superseded
    # (and the lead's first Friday report window, 定期反馈, whose prompt is superseded beside its close)
    assert dict(fired) == {"due": 2, "report": 1} and dict(stale) == {"remind": 2, "report": 1}
