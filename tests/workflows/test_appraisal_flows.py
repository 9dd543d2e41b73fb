"""The appraisal run as real Prefect flows gives the same cycle as the embedded path: the same quarter is worked
twice, once with the automatic stages in-process (the default) and once with DUBAN_STAGES=external, where the
cycle waits at its metrics and scores steps until the Prefect runner maps them over the units."""
from __future__ import annotations

import sqlalchemy as sa

from engine.appraisal import store
from engine.appraisal.trigger import start_cycle
from engine.store import db
from engine.runtime.sweep import sweep
from tests.appraisal.conftest import CycleDriver
from tests.support.clock import at
from tests.workflows.test_flows import build_office


def work_the_quarter(url, monkeypatch, *, external: bool, runner=None):  # noqa: ANN001
    """Tasks done on time and late in Q1, then the 2026Q1 cycle up to calibration; `runner(cycle)` is called
    wherever the cycle waits for an outside runner (external only)."""
    monkeypatch.setenv("DUBAN_STAGES", "external" if external else "embedded")
    site, clock, office, items = build_office(url)
    clock.set(at("2026-03-19 10:00"))  # the first directive on time
    office.do("it.head", items[0], "handle", "complete", on="it", opinion="已落实")
    office.do("hr.head", items[0], "handle", "accept", on="hr")
    office.do("hr.head", items[0], "handle", "complete", on="hr", opinion="同意")
    office.do("finance.head", items[0], "handle", "complete", on="finance", report="提前完成")
    clock.set(at("2026-03-27 16:00"))
    sweep(site)  # chases and cards on the late ones
    office.do("finance.head", items[1], "handle", "accept", on="finance")
    office.do("finance.head", items[1], "handle", "complete", on="finance", report="逾期完成")
    clock.set(at("2026-04-01 09:00"))
    cycle = CycleDriver(site, clock)
    assert cycle.start()
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    if external:
        assert cycle.step() == "metrics" and cycle.row.state == "open"  # waiting for the runner
        runner(cycle)
    assert cycle.step() == "supervisor_rating"
    cycle.rate_all("supervisor_rating", lambda h, r, f: 3 + (len(r) % 3))
    cycle.rate_all("peer_review", lambda h, r, f: 4 + (len(h) % 2))
    if external:
        assert cycle.step() == "score" and cycle.row.state == "measured"
        runner(cycle)
    assert cycle.step() == "calibrate" and cycle.row.state == "scored"
    return site, cycle


def outcome(site, cycle_id: int) -> dict:  # noqa: ANN001
    """What the stages computed: each person's metrics and result, the units done, the cycle's state."""
    with db.read(site.eng) as conn:
        def rows(table, *cols, order=("login",)):  # noqa: ANN001, ANN002
            return [tuple(r) for r in conn.execute(sa.select(*(table.c[c] for c in cols))
                                                   .where(table.c.cycle_id == cycle_id)
                                                   .order_by(*(table.c[o] for o in order)))]
        return {
            "metrics": rows(store.METRIC, "login", "unit", "figures", "evidence", "computed_at"),
            "results": rows(store.RESULT, "login", "unit", "category", "fingerprint", "computed_score",
                            "computed_band", "score", "band", "breakdown", "computed_at"),
            "units": rows(store.UNIT_RUN, "stage", "unit", "people", order=("stage", "unit")),
            "cycle": store.cycle(conn=conn, cycle_id=cycle_id).state,
        }


def test_the_appraisal_run_flow_computes_what_the_embedded_stages_compute(prefect_server, twin_urls, monkeypatch):
    from workflows.appraisal import appraisal_run, appraisal_stages, waiting

    site, cycle = work_the_quarter(twin_urls(), monkeypatch, external=False)
    expected = outcome(site, cycle.id)
    site.eng.dispose()

    url, runs = twin_urls(), []

    def runner(c):  # noqa: ANN001 - what the scheduled `appraisal-stages` deployment does
        assert waiting(c.site) == [(c.id, "metrics" if c.step() == "metrics" else "scores")]
        runs.extend(appraisal_stages(database_url=url, now=c.clock.now()))
        assert waiting(c.site) == []

    site, cycle = work_the_quarter(url, monkeypatch, external=True, runner=runner)
    got = outcome(site, cycle.id)
    assert [r["stage"] for r in runs] == ["metrics", "scores"]
    units = [u for stage, u, _ in expected["units"] if stage == "metrics"]
    assert len(units) >= 5 and all(sorted(r["people"]) == units for r in runs)  # one Prefect task per unit
    assert sum(runs[0]["people"].values()) == len(expected["metrics"]) > 10
    assert got == expected
    assert {r[6] for r in got["results"]} - {None}  # bands were given: the comparison is not of empty rows

    rerun = appraisal_run(cycle_id=cycle.id, stage="scores", database_url=url, now=cycle.clock.now())
    assert rerun["people"] == runs[1]["people"] and outcome(site, cycle.id) == expected  # idempotent per unit
    assert cycle.step() == "calibrate"  # and the cycle does not move twice
    site.eng.dispose()


def test_the_trigger_flow_starts_the_quarter_once(prefect_server, site, clock, database_url):
    from workflows.appraisal import appraisal_trigger, trigger_cron

    assert trigger_cron(site.definition("appraisal_quarterly").trigger) == "0 9 1-15 1,4,7,10 *"
    assert appraisal_trigger(database_url=database_url, now=at("2026-04-01 08:59")) == []
    started = appraisal_trigger(database_url=database_url, now=at("2026-04-01 09:00"))
    assert len(started) == 1
    assert appraisal_trigger(database_url=database_url, now=at("2026-04-02 09:00")) == []  # once per period
    with db.read(site.eng) as conn:
        assert store.cycle(conn=conn, cycle_id=started[0]).period == "2026Q1"
    assert start_cycle(site, "2026Q1") == (started[0], False)
