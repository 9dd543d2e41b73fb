"""A whole quarter in the office, then its appraisal: the first quarter of 2026 is worked on a manual clock (on
time, late and chased, transferred, extended before and after the due date, co-handled by several people, one
item still open at the end); the cycle starts by itself on the first working day of April — once, also after
the site was down over that moment — runs its stages with chases, computes scores that this test works out by
hand from the shipped finance scheme, shows a quota breach at calibration, and an appeal adjusts one score,
which is re-published."""
from __future__ import annotations

import threading
import time
from fractions import Fraction

import pytest
import sqlalchemy as sa

from engine.appraisal import stages, store, views
from engine.appraisal.report import report_text
from engine.appraisal.trigger import ensure_cycle
from engine.runtime.scheduler import start_scheduler
from engine.core.states import NotAllowed
from engine.store import db
from engine.store.tables import AppraisalCycle, Notification, PeriodRun

from tests.appraisal.conftest import run_until
from tests.support.clock import at
from tests.support.servers import wait_for


def r2(x: Fraction) -> float:
    """Half up to 2 decimals, as the engine shows scores."""
    return float(int(x * 100 + Fraction(1, 2))) / 100


def directive(office, title, lead, co=(), due="2026-03-20"):
    item = office.issue_directive(title=title, lead_unit="finance", co_units=[], due=due)
    office.register_and_assign(item, lead=lead, co=list(co), due=due)
    return item


def work_the_quarter(office, site, clock):
    """March 2026, as the office lives it. Returns the items and the task ids the metrics must name."""
    ids = {}
    clock.set(at("2026-03-02 09:30"))
    # A — finance signs for it and transfers it to Zheng (finance.staff1), who completes early (on time)
    a = directive(office, "A 预算执行自查", "finance", due="2026-03-13")
    office.do("finance.head", a, "handle", "accept", on="finance")
    ids["a_head"] = office.task(a, "handle", on="finance")
    office.do("finance.head", a, "handle", "transfer", on="finance", to="finance.staff1", reason="请郑会计承办")
    ids["a_staff1"] = office.task(a, "handle", on="finance.staff1")
    office.do("finance.staff1", a, "handle", "accept", on="finance.staff1")
    # B — Feng (finance.staff2) leads, due Friday 6 March; completed late after chases and a yellow card
    b = directive(office, "B 报销单据清理", "finance.staff2", due="2026-03-06")
    ids["b"] = office.task(b, "handle", on="finance.staff2")
    office.do("finance.staff2", b, "handle", "accept", on="finance.staff2")
    # C — finance leads, HR co-handles; an extension is approved before the due date
    c = directive(office, "C 年度审计配合", "finance", co=["hr"], due="2026-03-16")
    ids["c_head"] = office.task(c, "handle", on="finance")
    ids["c_hr"] = office.task(c, "handle", on="hr")
    office.do("finance.head", c, "handle", "accept", on="finance")
    office.do("hr.head", c, "handle", "accept", on="hr")

    fired = run_until(site, clock, at("2026-03-10 10:00"))
    office.do("finance.staff1", a, "handle", "complete", on="finance.staff1", report="自查完毕")
    office.do("clerk", a, "verify", "approve")
    # D — Zheng leads, due Tuesday 17 March; the extension comes only after the due date (late all the same)
    d = directive(office, "D 发票核对", "finance.staff1", due="2026-03-17")
    ids["d"] = office.task(d, "handle", on="finance.staff1")
    office.do("finance.staff1", d, "handle", "accept", on="finance.staff1")
    # E — HR leads, finance and IT co-handle; finance hands its part to Feng: several people co-handle
    e = directive(office, "E 人事系统上线", "hr", co=["finance", "it"], due="2026-03-20")
    ids["e_hr"] = office.task(e, "handle", on="hr")
    ids["e_fin_head"] = office.task(e, "handle", on="finance")
    ids["e_it"] = office.task(e, "handle", on="it")
    for unit in ("hr", "finance", "it"):
        office.do(f"{unit}.head", e, "handle", "accept", on=unit)
    office.do("finance.head", e, "handle", "transfer", on="finance", to="finance.staff2", reason="请冯出纳协办")
    ids["e_staff2"] = office.task(e, "handle", on="finance.staff2")
    office.do("finance.staff2", e, "handle", "accept", on="finance.staff2")

    fired += run_until(site, clock, at("2026-03-12 10:00"))
    office.do("finance.staff2", b, "handle", "complete", on="finance.staff2", report="已清理（超期）")
    office.do("clerk", b, "verify", "approve")
    office.do("finance.head", c, "handle", "request_extension", on="finance", new_due="2026-03-25", reason="等审计报告")
    office.do("office", c, "handle", "approve", kind="extension")

    fired += run_until(site, clock, at("2026-03-13 10:00"))
    office.do("hr.head", c, "handle", "complete", on="hr", opinion="人事资料已提供")
    fired += run_until(site, clock, at("2026-03-18 10:00"))
    office.do("finance.staff1", d, "handle", "request_extension", on="finance.staff1", new_due="2026-03-20",
              reason="供应商发票未到")
    office.do("office", d, "handle", "approve", kind="extension")
    fired += run_until(site, clock, at("2026-03-19 10:00"))
    office.do("finance.staff1", d, "handle", "complete", on="finance.staff1", report="核对完毕")
    office.do("clerk", d, "verify", "approve")
    office.do("finance.staff2", e, "handle", "complete", on="finance.staff2", opinion="财务数据已导入")
    office.do("it.head", e, "handle", "complete", on="it", opinion="系统已部署")
    office.do("hr.head", e, "handle", "complete", on="hr", report="已上线")
    office.do("clerk", e, "verify", "approve")
    # F — Feng leads, due Friday 27 March, still open when the quarter ends
    f = directive(office, "F 固定资产盘点", "finance.staff2", due="2026-03-27")
    ids["f"] = office.task(f, "handle", on="finance.staff2")
    office.do("finance.staff2", f, "handle", "accept", on="finance.staff2")
    fired += run_until(site, clock, at("2026-03-24 10:00"))
    office.do("finance.head", c, "handle", "complete", on="finance", report="审计配合完成")
    office.do("clerk", c, "verify", "approve")
    fired += run_until(site, clock, at("2026-03-31 18:30"))
    return ids, fired


def cycles(site):
    with db.read(site.eng) as c:
        return list(c.execute(sa.select(AppraisalCycle.__table__.c.id, AppraisalCycle.__table__.c.period)))


def inbox(site, person):
    t = Notification.__table__
    with db.read(site.eng) as c:
        return list(c.execute(sa.select(t.c.body).where(t.c.person == person).order_by(t.c.id)).scalars())




def test_a_quarter_then_its_appraisal(office, site, clock, cycle):
    ids, fired = work_the_quarter(office, site, clock)
    chased = {(k, t) for _, k, t in fired}
    assert ("escalate", ids["b"]) in chased and ("chase", ids["f"]) in chased

    # --- the trigger: nothing before 09:00 on Wednesday 1 April; the site is down over that moment ----------
    assert ensure_cycle(site, at("2026-03-31 18:30")) == []
    clock.set(at("2026-04-01 10:30"))
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600)  # back up: the missed trigger fires
    try:
        assert wait_for(lambda: len(cycles(site)) == 1)
    finally:
        sched.shutdown(wait=True)
    sched = start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600)  # a restart starts nothing new
    try:
        started = time.time()
        assert wait_for(lambda: sched.get_job("recurring").next_run_time.timestamp() > started + 30)
    finally:
        sched.shutdown(wait=True)
    assert ensure_cycle(site) == [] and [p for _, p in cycles(site)] == ["2026Q1"]
    cycle.id = cycles(site)[0][0]
    with db.read(site.eng) as c:
        run = c.execute(sa.select(PeriodRun.__table__).where(PeriodRun.key.like("appraisal%"))).one()
    assert run.key == "appraisal_quarterly:2026Q1" and run.instance_id == cycle.item
    assert cycle.step() == "self_assess"
    assert len(cycle.tasks("self_assess")) == 16

    # --- the metrics the quarter gave, with their evidence --------------------------------------------------
    # (computed after the self-assessment; checked below)
    # --- self-assessment: two people are late; one of them never answers -----------------------------------
    ratings = {  # holder -> value for every dimension they rate, unless a pair says otherwise
        ("finance.staff1", "finance.staff1"): 4, ("finance.staff2", "finance.staff2"): 3,
        ("finance.head", "finance.head"): 5, ("clerk", "clerk"): 5, ("office.staff1", "office.staff1"): 5,
        ("office.staff2", "office.staff2"): 3,
    }
    supervisor = {"finance.staff1": {"expertise": 4, "teamwork": 5, "communication": 4, "initiative": 3},
                  "finance.staff2": {"expertise": 3, "teamwork": 4, "communication": 4, "initiative": 3},
                  "finance.head": 5, "clerk": 5, "office.staff1": 5, "office.staff2": 3}
    peers = {("hr.head", "finance.staff2"): {"teamwork": 4, "communication": 4, "initiative": 3},
             ("it.head", "finance.staff2"): {"teamwork": 5, "communication": 4, "initiative": 4}}

    def self_value(holder, ratee, field):
        return ratings.get((holder, ratee), 4)

    clock.set(at("2026-04-02 10:00"))
    cycle.rate_all("self_assess", self_value, skip=("service.staff2", "it.staff2"))
    fired = run_until(site, clock, at("2026-04-10 18:30"))
    sa_tasks = {t["holder"]["person"]: t["id"] for t in cycle.tasks("self_assess")}
    assert set(sa_tasks) == {"service.staff2", "it.staff2"}
    kinds = sorted((k, t) for _, k, t in fired if t in sa_tasks.values())
    assert [k for k, t in kinds if t == sa_tasks["it.staff2"]] == ["chase", "due", "remind"]  # reminded, due, chased
    clock.set(at("2026-04-13 10:00"))
    cycle.submit("service.staff2", "self_assess", **{f["name"]: 4 for f in cycle.task_of(
        "self_assess", "service.staff2")["data"]["fields"]}, summary="补交自评")
    fired = run_until(site, clock, at("2026-04-13 18:00"))  # the window closes: it.staff2 lapses
    assert ("escalate", sa_tasks["it.staff2"]) in {(k, t) for _, k, t in fired}
    assert cycle.step() == "supervisor_rating"
    lapsed = [t for t in cycle.view()["tasks"] if t["step"] == "self_assess" and t["state"] == "skipped"]
    assert [t["holder"]["person"] for t in lapsed] == ["it.staff2"]

    # --- task metrics, per person, with the tasks they counted ----------------------------------------------
    with db.read(site.eng) as c:
        m = store.metrics(conn=c, cycle_id=cycle.id)
    staff1, staff2, head = (m[x].figures for x in ("finance.staff1", "finance.staff2", "finance.head"))
    assert {k: staff1[k] for k in ("assigned", "completed", "late", "completed_on_time", "overdue_open",
                                   "extensions", "extensions_after_due", "chases", "escalations")} == {
        "assigned": 2, "completed": 2, "late": 1, "completed_on_time": 1, "overdue_open": 0,
        "extensions": 1, "extensions_after_due": 1, "chases": 0, "escalations": 0}
    assert m["finance.staff1"].evidence["late"] == str(ids["d"])  # extended after due: late all the same
    assert {k: staff2[k] for k in ("assigned", "completed", "late", "overdue_open", "co_handled", "chases",
                                   "escalations")} == {
        "assigned": 3, "completed": 2, "late": 1, "overdue_open": 1, "co_handled": 1, "chases": 5, "escalations": 1}
    assert m["finance.staff2"].evidence["completed"] == f"{ids['b']},{ids['e_staff2']}"
    assert m["finance.staff2"].evidence["overdue_open"] == str(ids["f"])
    assert m["finance.staff2"].evidence["chases"] == f"{ids['b']},{ids['f']}"
    assert {k: head[k] for k in ("assigned", "completed", "late", "transfers_out", "extensions",
                                 "extensions_after_due")} == {
        "assigned": 3, "completed": 1, "late": 0, "transfers_out": 2, "extensions": 1, "extensions_after_due": 0}
    assert m["finance.head"].evidence["transfers_out"] == f"{ids['a_head']},{ids['e_fin_head']}"
    assert m["hr.head"].figures["co_handled"] == 1 and m["hr.head"].figures["completed_lead"] == 1
    assert m["clerk"].figures["completed"] == 11  # 6 registrations + 5 verifications (role tasks: who closed them)
    # average handling time, in working days: A 2 Mar → 10 Mar is 6, D 10 Mar → 19 Mar is 7
    assert staff1["handling_days"] == 13 and staff1["avg_handling_days"] == 6.5

    # --- supervisor ratings, then peers (suggested from co-handling history) --------------------------------
    def sup_value(holder, ratee, field):
        v = supervisor.get(ratee, 4)
        return v[field] if isinstance(v, dict) else v

    clock.set(at("2026-04-14 10:00"))
    cycle.rate_all("supervisor_rating", sup_value)
    assert cycle.step() == "peer_review"
    with db.read(site.eng) as c:
        suggested = {x.login: x.peers for x in store.members(conn=c, cycle_id=cycle.id)}
    assert suggested["finance.staff2"] == ["hr.head", "it.head"]  # co-handled E with them; not their own head
    assert suggested["finance.staff1"] == []  # worked only with their head
    cycle.rate_all("peer_review", lambda h, r, f: peers.get((h, r), {}).get(f, 4))
    assert cycle.step() == "calibrate"

    # --- the scores, worked out by hand from definitions/schemes/finance_assistant.yaml ----------------------
    # weights: task_completion 30, self_management 15, cross_department 10, expertise 20, teamwork 10,
    # communication 10, initiative 5; ratings on 0–5 → ×20; raters self 10 / supervisor 70 / peers 20
    # (expertise: self 10 / supervisor 90); peers count from 2 responses.
    F = Fraction
    s1 = {
        "task_completion": F(1, 2) * 100 - 5 * 0,          # on time 1 of 2, no escalation
        "self_management": F(100 - 10 * 0 - 2 * 0 - 5 * 0),
        "cross_department": F(60 + 10 * 0),
        "expertise": (10 * 4 + 90 * 4) / F(100) * 20,
        "teamwork": (10 * 4 + 70 * 5) / F(80) * 20,        # no peers: self and supervisor share the weight
        "communication": (10 * 4 + 70 * 4) / F(80) * 20,
        "initiative": (10 * 4 + 70 * 3) / F(80) * 20,
    }
    weights = {"task_completion": 30, "self_management": 15, "cross_department": 10, "expertise": 20,
               "teamwork": 10, "communication": 10, "initiative": 5}
    score1 = sum(s1[k] * weights[k] for k in weights) / 100
    s2 = {
        "task_completion": F(1, 2) * 100 - 5 * 1,          # on time 1 of 2, one yellow card
        "self_management": F(100 - 10 * 1 - 2 * 5 - 5 * 0),  # F still open and overdue; five chases
        "cross_department": F(60 + 10 * 1),               # co-handled E
        "expertise": (10 * 3 + 90 * 3) / F(100) * 20,
        "teamwork": (10 * 3 + 70 * 4 + 20 * F(4 + 5, 2)) / 100 * 20,   # two peers: their mean counts
        "communication": (10 * 3 + 70 * 4 + 20 * F(4 + 4, 2)) / 100 * 20,
        "initiative": (10 * 3 + 70 * 3 + 20 * F(3 + 4, 2)) / 100 * 20,
    }
    score2 = sum(s2[k] * weights[k] for k in weights) / 100
    assert (r2(score1), r2(score2)) == (72.88, 63.4)
    results = cycle.results()
    assert results["finance.staff1"]["score"] == r2(score1) and results["finance.staff1"]["band"]["zh"] == "合格"
    assert results["finance.staff2"]["score"] == r2(score2) and results["finance.staff2"]["band"]["zh"] == "合格"
    # the head: all on time, 5s from self and supervisor, 4s from two peers: (3000 + 1500 + 600 + 2000
    # + 3 × (10 × 5 + 70 × 5 + 20 × 4) / 100 × 20 × (10, 10, 5)) / 100
    assert results["finance.head"]["score"] == 95.0 and results["finance.head"]["band"]["zh"] == "优秀"
    explained = cycle.result("finance.staff2")
    dims = {d["id"]: d for d in explained["dimensions"]}
    assert dims["task_completion"]["inputs"] == {"on_time_rate": 0.5, "escalations": 1.0,
                                                 "basically_satisfied": 0.0, "unsatisfied": 0.0}  # nobody rated
    assert dims["task_completion"]["evidence"]["late"] == [ids["b"]]
    assert [(d["normalised"], d["contribution"]) for d in explained["dimensions"]] == [
        (r2(s2[k]), r2(s2[k] * weights[k] / 100)) for k in weights]
    team = dims["teamwork"]["raters"]
    assert [(p["relation"], p["responses"], p["raw"]) for p in team] == [
        ("self", 1, 3.0), ("supervisor", 1, 4.0), ("peers", 2, 4.5)]
    assert "tasks" not in team[2]  # peers are anonymous: a count and a mean only
    lonely = {d["id"]: d for d in cycle.result("finance.staff1")["dimensions"]}
    assert "缺少同事评价" in lonely["teamwork"]["note"]["zh"]
    blank = cycle.result("office.staff1")  # no tasks at all in the quarter: the metric parts are left out
    assert blank["renormalised"] and blank["present_weight"] == 60 and blank["score"] == 100.0
    assert "本期没有任务" in {d["id"]: d for d in blank["dimensions"]}["task_completion"]["note"]["zh"]

    # --- calibration: 优秀 at most 20 % of a category; two of three administrative assistants are 优秀 ----------
    cal = views.calibration(site, cycle.id, "office")
    assert cal["breaches"] == [{"category": "admin_assistant", "band": "excellent", "count": 2, "allowed": 1,
                                "quota": "20%"}]
    admin = next(c for c in cal["distribution"] if c["category"] == "admin_assistant")
    assert next(b for b in admin["bands"] if b["id"] == "excellent")["people"] == ["clerk", "office.staff1"]
    task = cycle.task_of("calibrate", "office")
    with pytest.raises(NotAllowed) as refused:  # no sign-off over a quota without a reason
        cycle.act("office", task, "submit")
    assert refused.value.details["breaches"][0]["band"] == "excellent"
    assert cycle.step() == "calibrate" and cycle.row.published_at is None  # nothing was published
    clock.set(at("2026-04-15 15:00"))
    cycle.act("office", task, "calibrate", person="office.staff1", band="良好", reason="本季度无承办事项，工作量较小")
    cal = views.calibration(site, cycle.id, "office")
    assert cal["breaches"] == [] and cal["changes"] == [
        {"person": "office.staff1", "kind": "calibration", "before": {"score": 100.0, "band": "excellent"},
         "after": {"score": 100.0, "band": "good"}, "reason": "本季度无承办事项，工作量较小", "by": "office",
         "at": at("2026-04-15 15:00"), "task_id": task["id"]}]
    assert stages.run_scores(site, cycle.id, "office") == 4  # recomputing a unit before the sign-off …
    assert cycle.results()["office.staff1"]["band"]["zh"] == "良好"  # … keeps the recorded change
    cycle.act("office", task, "submit")
    assert cycle.step() == "appeal_window" and cycle.row.revision == 1
    with pytest.raises(NotAllowed):  # signed off: nothing is recomputed any more
        stages.run_scores(site, cycle.id, "finance")

    # --- published: everyone sees their own result, a unit head their unit's ---------------------------------
    own = views.results(site, cycle.id, "finance.staff2")["results"]
    assert [r["person"] for r in own] == ["finance.staff2"]
    assert sorted(r["person"] for r in views.results(site, cycle.id, "finance.head")["results"]) == [
        "finance.head", "finance.staff1", "finance.staff2"]
    assert any("63.40 分，合格" in body for body in inbox(site, "finance.staff2"))

    # --- the appeal window: most confirm; Feng appeals; the window ends before the decision -----------------
    clock.set(at("2026-04-16 10:00"))
    for t in cycle.tasks("appeal_window"):
        if t["holder"]["person"] not in ("finance.staff2", "it.staff1", "it.staff2"):
            cycle.act(t["holder"]["person"], t, "submit")
    clock.set(at("2026-04-22 11:00"))
    cycle.act("finance.staff2", cycle.task_of("appeal_window", "finance.staff2"), "appeal",
              reason="F 事项逾期系供应商原因，已书面说明")
    appeal = cycle.task_of("appeal_window", "office", purpose="appeal")  # not the original raters (head, peers)
    assert appeal["data"]["ratee"] == "finance.staff2"
    run_until(site, clock, at("2026-04-23 18:30"))  # the window closes: it.staff1 and it.staff2 let it stand
    assert cycle.step() == "appeal_window"  # no finalizing while an appeal is open
    assert cycle.row.state == "published"
    clock.set(at("2026-04-24 10:00"))
    cycle.act("office", appeal, "adjust", score=68, reason="核实 F 事项逾期属外部原因，酌情调整")
    assert cycle.step() == "done" and cycle.view()["state"] == "completed"  # finalized, the cycle ended
    final = cycle.row
    assert final.state == "final" and final.revision == 2
    after = cycle.result("finance.staff2", "finance.staff2")
    assert (after["score"], after["band"]["zh"], after["computed_score"], after["appeal"], after["revision"]) == (
        68.0, "合格", 63.4, "adjusted", 2)
    assert [(c["kind"], c["before"], c["after"], c["by"]) for c in after["changes"]] == [
        ("appeal", {"score": 63.4, "band": "pass"}, {"score": 68.0, "band": "pass"}, "office")]
    assert any("重新公布（第 2 版）：68.00 分，合格" in body for body in inbox(site, "finance.staff2"))
    timeline = office.timeline(cycle.item)
    assert "重新公布考核结果（第 2 版）" in timeline and any(x.startswith("考核结果定稿（第 2 版）") for x in timeline)
    assert not any("68 分" in x or "供应商" in x or "工作量" in x for x in timeline)  # no scores, no reasons

    # --- the report prints the same explanation -------------------------------------------------------------
    text = report_text(site, cycle.id)
    assert "── 冯出纳 finance.staff2" in text
    assert "得分 score 68.00 → 合格 Pass" in text and "[计算 computed 63.40 合格 Pass]" in text
    assert "raw 45.00 → normalised 45.00 × effective weight 30.00% = 13.50" in text


def test_two_schedulers_start_a_period_once(site, clock):
    clock.set(at("2026-04-01 09:00"))
    barrier, out = threading.Barrier(4), []

    def go():
        barrier.wait()
        out.append(ensure_cycle(site))

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(len(x) for x in out) == [0, 0, 0, 1]
    assert [p for _, p in cycles(site)] == ["2026Q1"]
