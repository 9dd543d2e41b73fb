"""The cycle's rules apart from the quarter's story: when the trigger is due, metrics attribution and rework,
per-unit runs equal to the whole run (and re-runs replacing, never duplicating), the external-runner mode, the
scheme frozen at opening, results reproducible from the frozen data, and the `duban appraise` command."""
from __future__ import annotations

import argparse
import shutil

import pytest
import sqlalchemy as sa

from engine.appraisal import stages, store, views
from engine.cli.appraise import appraise_command
from engine.appraisal.periods import due_period, parse_period, trigger_moment
from engine.appraisal.scoring import score_person
from engine.appraisal.trigger import ensure_cycle, start_cycle
from engine.core.states import InputError, NotAllowed
from engine.store import db

from tests.appraisal.conftest import run_until
from tests.support.clock import at


@pytest.mark.parametrize("period, moment", [
    ("2026Q2", "2026-04-01 09:00"),   # a Wednesday
    ("2026Q4", "2026-10-08 09:00"),   # after the National Day break
    ("2027Q1", "2027-01-04 09:00"),   # 1 January 2027 is off (definitions/calendar.yaml)
])
def test_the_trigger_moment_is_the_first_working_day_of_the_quarter(site, period, moment):
    assert trigger_moment(parse_period(period), "09:00", site.cal) == at(moment)


def test_the_due_period_is_the_one_that_just_ended(site):
    cal = site.cal
    assert due_period("quarterly", "09:00", "previous", at("2026-10-08 08:59"), cal)[0].key == "2026Q2"
    assert due_period("quarterly", "09:00", "previous", at("2026-10-08 09:00"), cal)[0].key == "2026Q3"
    assert due_period("quarterly", "09:00", "previous", at("2026-12-31 23:00"), cal)[0].key == "2026Q3"
    assert due_period("monthly", "09:00", "current", at("2026-03-02 10:00"), cal)[0].key == "2026-03"
    with pytest.raises(InputError):
        parse_period("2026Q5")


def test_a_trigger_moment_before_the_definition_was_deployed_is_not_missed(site, clock):
    clock.set(at("2026-03-20 10:00"))  # 2026Q1 was due on 4 January, before this site existed (2 March)
    assert ensure_cycle(site) == []
    clock.set(at("2026-04-01 09:00"))
    assert len(ensure_cycle(site)) == 1


def handled_and_reworked(office, clock):
    """finance completes, the clerk sends it back (rework), finance completes again; a second item's registration
    stays open past its due time (a role's task: it counts for the only clerk)."""
    item = office.issue_directive(co_units=["it"], due="2026-03-13")
    office.register_and_assign(item)
    first = office.task(item, "handle", on="finance")
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("it.head", item, "handle", "accept", on="it")
    office.do("it.head", item, "handle", "complete", on="it", opinion="同意")
    office.do("finance.head", item, "handle", "complete", on="finance", report="初稿")
    office.do("clerk", item, "verify", "reject", comment="缺少附件")
    clock.set(at("2026-03-05 10:00"))
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("it.head", item, "handle", "accept", on="it")
    office.do("it.head", item, "handle", "complete", on="it", opinion="同意")
    office.do("finance.head", item, "handle", "complete", on="finance", report="补充附件")
    office.do("clerk", item, "verify", "approve")
    left = office.issue_directive(title="未登记的事项")
    return first, office.task(left, "register")


def test_rework_role_tasks_and_per_unit_runs(office, site, clock, cycle):
    first, register = handled_and_reworked(office, clock)
    clock.set(at("2026-04-01 09:00"))
    assert cycle.start()
    units = stages.units_in_scope(site, cycle.id)
    assert units == ["finance", "hr", "it", "office", "service"]
    per_unit = {u: stages.run_metrics(site, cycle.id, u) for u in units}
    assert per_unit == {"finance": 3, "hr": 3, "it": 3, "office": 4, "service": 3}
    with db.read(site.eng) as c:
        unitwise = {k: (v.figures, v.evidence) for k, v in store.metrics(conn=c, cycle_id=cycle.id).items()}
    assert stages.run_metrics(site, cycle.id, "finance") == 3  # a re-run replaces the unit's rows
    with db.write(site.eng) as c:
        assert stages.compute_metrics(site, c, store.cycle(conn=c, cycle_id=cycle.id), None) == 16
    with db.read(site.eng) as c:
        whole = {k: (v.figures, v.evidence) for k, v in store.metrics(conn=c, cycle_id=cycle.id).items()}
        assert c.execute(sa.select(sa.func.count()).select_from(store.METRIC)).scalar() == 16
    assert whole == unitwise
    head = whole["finance.head"][0]
    assert (head["returns"], head["completed"], head["completed_lead"]) == (1, 2, 2)
    assert whole["finance.head"][1]["returns"] == str(first)  # the first round's work was sent back
    assert whole["it.head"][0]["co_handled"] == 2
    clerk = whole["clerk"]
    assert clerk[0]["overdue_open"] == 1 and clerk[1]["overdue_open"] == str(register)


def test_external_stages_wait_for_every_unit(site, clock, cycle):
    site.stages_inline = False  # DUBAN_STAGES=external: a Prefect flow runs the units
    clock.set(at("2026-04-01 09:00"))
    cycle.start()
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    assert cycle.step() == "metrics" and cycle.row.state == "open"
    for unit in ("finance", "hr", "it"):
        stages.run_metrics(site, cycle.id, unit)
    with pytest.raises(NotAllowed) as refused:
        stages.finish_stage(site, cycle.id, "metrics")
    assert refused.value.details == {"units": ["office", "service"]} and cycle.step() == "metrics"
    for unit in ("office", "service"):
        stages.run_metrics(site, cycle.id, unit)
    stages.finish_stage(site, cycle.id, "metrics")
    assert cycle.step() == "supervisor_rating" and cycle.row.state == "measured"
    stages.finish_stage(site, cycle.id, "metrics")  # already past: nothing happens
    assert cycle.step() == "supervisor_rating"


def test_the_scheme_is_frozen_when_the_cycle_opens(site, clock, cycle, tmp_path, monkeypatch):
    folder = tmp_path / "schemes"
    shutil.copytree(site_schemes(), folder)
    monkeypatch.setenv("DUBAN_SCHEMES_DIR", str(folder))
    clock.set(at("2026-04-01 09:00"))
    cycle.start()
    before = cycle.row.schemes["finance_assistant"]["fingerprint"]
    path = folder / "finance_assistant.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight: 30", "weight: 25").replace(
        "weight: 5\n", "weight: 10\n"), encoding="utf-8")
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    cycle.rate_all("supervisor_rating", lambda h, r, f: 4)
    assert cycle.step() == "calibrate"
    with db.read(site.eng) as c:
        r = store.result(conn=c, cycle_id=cycle.id, login="finance.staff1")
    explained = views.result(site, cycle.id, "finance.staff1", None)
    assert r.fingerprint == before and explained["dimensions"][0]["weight"] == 30  # the frozen scheme
    later = type(cycle)(site, clock)
    clock.set(at("2026-07-01 09:00"))
    later.start("2026Q2")
    assert later.row.schemes["finance_assistant"]["fingerprint"] != before  # later cycles take the edit


def site_schemes():
    from engine.appraisal.schemes import schemes_dir
    return schemes_dir()


def test_results_are_reproducible_from_the_frozen_data(office, site, clock, cycle):
    handled_and_reworked(office, clock)
    clock.set(at("2026-04-01 09:00"))
    cycle.start()
    cycle.rate_all("self_assess", lambda h, r, f: 3 + len(r) % 3)
    cycle.rate_all("supervisor_rating", lambda h, r, f: 2 + len(h + r) % 4)
    cycle.rate_all("peer_review", lambda h, r, f: 4)
    with db.read(site.eng) as c:
        row = store.cycle(conn=c, cycle_id=cycle.id)
        schemes = store.frozen_schemes(row)
        metrics = store.metrics(conn=c, cycle_id=cycle.id)
        ratings = store.ratings(conn=c, cycle_id=cycle.id)
        results = store.results(conn=c, cycle_id=cycle.id)
    assert len(results) == 16
    for r in results:
        again = score_person(schemes[r.category], metrics[r.login].figures, ratings.get(r.login, []), r.fingerprint)
        assert again == r.breakdown and again["score"] == r.computed_score


def test_the_publish_and_finalize_gates(site, clock, cycle):
    clock.set(at("2026-04-01 09:00"))
    cycle.start()
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    item = cycle.view()
    from engine.store import items as item_store

    with db.write(site.eng) as c:  # the publish stage itself refuses before the sign-off
        snap = item_store.load_item(conn=c, item_id=cycle.item, definition_of=site.definition)
        with pytest.raises(NotAllowed) as refused:  # not signed off: nothing is published
            stages.publish(site, c, snap, site.ctx(conn=c))
    assert "校准尚未签发" in refused.value.zh and item["current_step"] == "supervisor_rating"


def test_duban_appraise_starts_once_and_reports(site, database_url, capsys):
    args = argparse.Namespace(db=database_url, period="2025Q4", report=False)
    assert appraise_command(args) == 0
    assert "已开启 2025Q4 考核周期" in capsys.readouterr().out
    assert appraise_command(args) == 0
    assert "2025Q4 考核周期已存在" in capsys.readouterr().out
    with db.read(site.eng) as c:
        assert c.execute(sa.select(sa.func.count()).select_from(store.CYCLE)).scalar() == 1
    assert appraise_command(argparse.Namespace(db=database_url, period="2025Q4", report=True)) == 0
    out = capsys.readouterr().out
    assert "2025Q4" in out and "尚未计算得分" in out
