"""Milestones (节点) and Friday reports (定期反馈) on a manual clock: a milestone missed is chased, a lead who skips
two Friday reports — one of them on the Labour Day holiday Friday — is prompted, chased, and counted."""
from __future__ import annotations

import sqlalchemy as sa

from engine.appraisal import metrics
from engine.reads import checkpoints as facts
from engine.runtime.sweep import sweep
from engine.store import db
from engine.store.tables import Notification
from engine.core.states import NotAllowed

from tests.support.clock import at

import pytest

MILESTONES = [{"title": "摸底调查", "due": "2026-03-10"}, {"title": "形成整改方案", "due": "2026-03-16"}]


def fired(site, clock, when, kinds=("milestone", "report")):
    clock.set(at(when))
    return sorted((f.kind, f.seq % 1000 if f.kind == "milestone" else f.seq % 100, sorted(f.recipients))
                  for f in sweep(site).fired if f.kind in kinds and f.recipients)  # a silent one said nothing


def notes(site, person, like):
    with db.read(site.eng) as c:
        t = Notification.__table__
        return [r.body for r in c.execute(sa.select(t.c.body).where(t.c.person == person).order_by(t.c.id))
                if like in r.body]


def milestones(site, clock, when):
    return fired(site, clock, when, kinds=("milestone",))


def test_a_milestone_missed_is_chased_and_one_reported_done_goes_quiet(office, site, clock):
    item = office.issue_directive(co_units=[], milestones=MILESTONES)  # Mon 2 March
    office.register_and_assign(item)  # the office director's assign form carries them over
    assert office.view(item)["assignment"]["milestones"] == MILESTONES
    office.do("finance.head", item, "handle", "accept", on="finance")
    # 2 working days before Tue 10 March: a reminder on Fri 6th at the opening of office
    assert milestones(site, clock, "2026-03-06 09:00") == [("milestone", 0, ["finance.head"])]
    clock.set(at("2026-03-09 15:00"))
    office.do("finance.head", item, "handle", "milestone_done", on="finance", index=1, note="摸底表已汇总")
    with pytest.raises(NotAllowed):
        office.do("finance.head", item, "handle", "milestone_done", on="finance", index=1)
    assert "报节点完成：2026-03-10 摸底调查" in office.timeline(item)[-1]
    # the first milestone is done: its due notice says nothing; the second's reminder comes on Thu 12th
    assert milestones(site, clock, "2026-03-10 18:00") == []
    assert milestones(site, clock, "2026-03-12 09:00") == [("milestone", 0, ["finance.head"])]
    assert facts.missed(site, [item], at("2026-03-16 17:00"))[item]["milestone"] is None
    assert milestones(site, clock, "2026-03-16 18:00") == [("milestone", 1, ["finance.head"])]
    # the next working day it is chased, as an overdue task is; 3 working days late it goes to the office director
    assert milestones(site, clock, "2026-03-17 18:00") == [("milestone", 101, ["finance.head"])]
    assert facts.missed(site, [item], at("2026-03-17 18:01"))[item]["milestone"] == "形成整改方案"
    assert milestones(site, clock, "2026-03-18 18:00") == [("milestone", 102, ["finance.head"])]
    assert milestones(site, clock, "2026-03-19 18:00") == [
        ("milestone", 10, ["finance.head", "office"]), ("milestone", 103, ["finance.head"])]
    assert any("节点“形成整改方案”逾期未完成（第 1 次催办" in n for n in notes(site, "finance.head", "节点"))
    clock.set(at("2026-03-20 10:00"))
    office.do("finance.head", item, "handle", "milestone_done", on="finance", index=2, note="方案已报")
    assert "（逾期完成）" in office.timeline(item)[-1]
    assert milestones(site, clock, "2026-03-20 18:00") == []  # done: its chases stop
    assert facts.missed(site, [item], at("2026-03-20 18:01"))[item]["milestone"] is None
    view = office.view(item)["assignment"]["milestones_done"]
    assert view["1"]["late"] is True and view["0"]["late"] is False


def test_a_lead_who_skips_two_friday_reports_is_prompted_chased_and_counted(office, site, clock):
    clock.set(at("2026-04-27 09:30"))  # Monday; Fri 1 May is Labour Day (holiday until Tue 5th)
    item = office.issue_directive(co_units=[], due="2026-05-29")
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    # the holiday Friday's report moves to the next working day, Wed 6 May: prompted at the opening of office
    assert fired(site, clock, "2026-05-01 09:00") == []
    assert fired(site, clock, "2026-05-06 09:00") == [("report", 0, ["finance.head"])]
    asked = facts.report_prompts(site, office.tasks(item, "handle"), at("2026-05-06 10:00"))
    assert [(r["day"].isoformat(), r["missed"]) for r in asked] == [("2026-05-06", False)]  # on 我的待办
    assert notes(site, "finance.head", "定期反馈：请于 2026-05-06 下班前反馈进展")
    # no report by the close of office: 未按期反馈, chased as an overdue task is, the next working day too
    assert fired(site, clock, "2026-05-06 18:00") == [("report", 1, ["finance.head"])]
    assert facts.missed(site, [item], at("2026-05-06 18:01"))[item]["report"].isoformat() == "2026-05-06"
    assert fired(site, clock, "2026-05-07 18:00") == [("report", 2, ["finance.head"])]
    asked = facts.report_prompts(site, office.tasks(item, "handle"), at("2026-05-07 10:00"))
    assert [(r["day"].isoformat(), r["missed"]) for r in asked] == [("2026-05-06", True)]
    # Friday 8 May: prompted again, and skipped again
    assert fired(site, clock, "2026-05-08 09:00") == [("report", 0, ["finance.head"])]
    assert fired(site, clock, "2026-05-08 18:00") == [("report", 1, ["finance.head"])]
    assert fired(site, clock, "2026-05-09 18:00") == [("report", 2, ["finance.head"])]  # Sat 9th: a make-up day
    clock.set(at("2026-05-11 10:00"))
    office.do("finance.head", item, "handle", "progress", on="finance", text="已完成自查，正在整改", percent=40)
    assert facts.missed(site, [item], at("2026-05-11 10:01"))[item]["report"] is None
    assert fired(site, clock, "2026-05-11 18:00") == []  # reported: the chases stop
    assert facts.report_prompts(site, office.tasks(item, "handle"), at("2026-05-11 18:01")) == []
    # the next Friday: a report on Thursday satisfies the window, so no prompt and no miss
    clock.set(at("2026-05-14 16:00"))
    office.do("finance.head", item, "handle", "progress", on="finance", text="整改过半", percent=60)
    assert fired(site, clock, "2026-05-15 18:00") == []
    kinds = office.kinds(item)
    assert kinds.count("report_missed") == 2 and kinds.count("report_prompt") == 2
    # the appraisal counts it: 未按期反馈 2, with the task as evidence
    with db.write(site.eng) as conn:
        got = metrics.compute(conn, cal=site.cal, start=at("2026-04-01 00:00"), end=at("2026-07-01 00:00"),
                              people={"finance.head"}, heads={"finance": "finance.head"}, sole={})
    lead = [t["id"] for t in office.tasks(item, "handle")]
    assert got["finance.head"]["figures"]["reports_missed"] == 2
    assert got["finance.head"]["evidence"]["reports_missed"] == ",".join(map(str, lead))
    assert got["finance.head"]["figures"]["chases"] == 0  # report chases are their own figure


def test_a_sweep_that_slept_through_two_fridays_counts_both_and_sends_one_message(office, site, clock):
    item = office.issue_directive(co_units=[], due="2026-03-31")  # Mon 2 March
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    clock.set(at("2026-03-16 09:30"))  # the scheduler was down from Monday to Monday
    sweep(site)
    assert office.kinds(item).count("report_missed") == 2
    assert len(notes(site, "finance.head", "未按期反馈")) == 1
    assert fired(site, clock, "2026-03-16 18:00") == [("report", 2, ["finance.head"])]  # chased on for the 13th
