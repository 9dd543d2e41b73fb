"""Chases and escalations while the person chased is on leave: the sweep's reminders, chases and cards reach them
and whoever stands in for them (代理), and only for the days of the leave."""
from __future__ import annotations

from datetime import date

from engine.runtime import proxies
from engine.core import checkpoints
from engine.runtime.sweep import sweep

from tests.support.clock import at


def own(fired):
    """The task's own timers: the Friday reports (定期反馈) and milestones (节点) are tests/scenarios/test_checkpoints'."""
    return [f for f in fired if f.kind not in checkpoints.KINDS]


def fired(site, clock, when):
    clock.set(at(when))
    return sorted((f.kind, f.seq, sorted(f.recipients)) for f in own(sweep(site).fired))


def test_the_finance_head_on_leave_is_chased_together_with_the_stand_in(office, site, clock):
    clock.set(at("2026-03-09 10:00"))
    item = office.issue_directive(co_units=[], due="2026-03-13")  # Friday
    office.register_and_assign(item)
    proxies.give(site, by="finance.head", to="finance.staff1", starts=date(2026, 3, 11), until=date(2026, 3, 16),
                 note="出差")
    # 2 working days before Fri 13th: Wed 11th at the opening of office — the first day away
    assert fired(site, clock, "2026-03-11 09:00") == [("remind", 0, ["finance.head", "finance.staff1"])]
    assert fired(site, clock, "2026-03-13 18:00") == [("due", 0, ["finance.head", "finance.staff1"])]
    assert fired(site, clock, "2026-03-16 18:00") == [("chase", 1, ["finance.head", "finance.staff1"])]
    # back on Tuesday 17th: the chases are the head's alone again
    assert fired(site, clock, "2026-03-17 18:00") == [("chase", 2, ["finance.head"])]
    # 3 overdue working days: the yellow card goes to the office director, away that day, and to her stand-in
    proxies.give(site, by="office", to="office.head", starts=date(2026, 3, 18), until=date(2026, 3, 18))
    assert fired(site, clock, "2026-03-18 18:00") == sorted([
        ("chase", 3, ["finance.head"]), ("escalate", 0, ["finance.head", "office", "office.head"])])
