"""Every due timer fires exactly once: across an interrupted sweep, and with two sweepers racing."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from engine.runtime import sweep as sweep_module
from engine.runtime.boot import open_site
from engine.clock import ManualClock
from engine.store import db
from engine.store.tables import Event, Timer
from engine.runtime.sweep import sweep

from tests.support.clock import at


def issue_many(office, n=12):
    items = [office.issue_directive(title=f"事项{i}", co_units=["hr", "it"]) for i in range(n)]
    for item in items:
        office.register_and_assign(item)
    return items


def timer_events(site):
    with db.read(site.eng) as c:
        rows = c.execute(sa.select(Event.__table__.c.data).where(
            Event.__table__.c.kind.in_(["remind", "due", "chase", "escalate"])))
        return Counter(r.data["timer"] for r in rows)


def pending(site, clock):
    with db.read(site.eng) as c:
        t = Timer.__table__.c
        return c.execute(sa.select(sa.func.count()).where(t.state == "pending", t.fire_at <= clock.now())).scalar()


def test_an_interrupted_sweep_resumes_and_fires_each_timer_once(office, site, clock, monkeypatch):
    issue_many(office)
    clock.set(at("2026-03-24 18:00"))  # remind, due and two chases are due for every handling task
    due_before = pending(site, clock)
    assert due_before >= 36 * 3

    real_fire, calls = sweep_module._fire, {"n": 0}

    def crash_half_way(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 50:
            raise SystemExit("the machine went down")  # not an Exception: the sweep does not catch it
        return real_fire(*args, **kw)

    monkeypatch.setattr(sweep_module, "_fire", crash_half_way)
    with pytest.raises(SystemExit):
        sweep(site, batch_size=20)
    monkeypatch.setattr(sweep_module, "_fire", real_fire)
    fired_first = sum(timer_events(site).values())
    assert 0 < fired_first < due_before  # two batches committed, the third rolled back

    sweep(site)
    counts = timer_events(site)
    assert set(counts.values()) == {1}
    assert pending(site, clock) == 0


def test_two_sweepers_racing_fire_each_timer_once(office, site, clock, database_url):
    issue_many(office)
    clock.set(at("2026-03-27 18:00"))
    due = pending(site, clock)
    sites = [open_site(database_url, ManualClock(clock.now()), migrate=False, register=False) for _ in range(2)]
    results, barrier = [], threading.Barrier(2)

    def run(s):
        barrier.wait()
        results.append(sweep(s, batch_size=25))

    threads = [threading.Thread(target=run, args=(s,)) for s in sites]
    [t.start() for t in threads]
    [t.join() for t in threads]
    fired = [f.timer_id for r in results for f in r.fired]
    superseded = sum(r.superseded for r in results)  # each task's reminder, stale beside its due notice and chase
    assert superseded == 36 + 12  # and each lead's first Friday prompt (定期反馈), stale beside its window's close
    assert len(fired) == len(set(fired)) == due - superseded
    assert set(timer_events(site).values()) == {1}
    for s in sites:
        s.eng.dispose()


def test_one_failing_timer_never_stops_the_rest(office, site, clock, monkeypatch):
    issue_many(office, n=3)
    clock.set(at("2026-03-18 09:00"))  # the reminders
    real_fire = sweep_module._fire
    broken = {}

    def fail_first(site_, conn, b, t, *a, **kw):
        if not broken:
            broken["id"] = t.id
            raise RuntimeError("template exploded")
        return real_fire(site_, conn, b, t, *a, **kw)

    monkeypatch.setattr(sweep_module, "_fire", fail_first)
    result = sweep(site)
    assert [f for f, _ in result.failed] == [broken["id"]]
    assert len(result.fired) == 9 + 3 - 1  # nine reminders, three leads' Friday reports (定期反馈), less the broken
    with db.read(site.eng) as c:
        row = c.execute(sa.select(Timer.__table__).where(Timer.__table__.c.id == broken["id"])).one()
    assert row.state == "pending" and row.attempts == 1 and "template exploded" in row.error
    monkeypatch.setattr(sweep_module, "_fire", real_fire)
    clock.advance(__import__("datetime").timedelta(minutes=6))
    assert [f.timer_id for f in sweep(site).fired] == [broken["id"]]  # retried later, once


def test_after_downtime_missed_chases_fire_once_not_once_per_day(office, site, clock):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    clock.set(at("2026-04-10 10:00"))  # the site was down for three weeks
    result = sweep(site)
    kinds = Counter(f.kind for f in result.fired)
    # one chase for the missed days, and of the missed reminder, due notice, chases and two escalations only the
    # newest message of each kind (promise 10: no stale "due soon" beside "overdue")
    # the lead's Friday reports (定期反馈): one firing judges every window closed while down
    assert kinds == {"chase": 1, "escalate": 1, "report": 1}
    # the reminder, the due notice, the yellow card's escalation; the first Friday's prompt beside its close
    assert result.superseded == 3 + 1
    assert sweep(site).fired == []


def test_after_a_jump_of_the_clock_only_the_newest_message_per_task_and_kind_goes_out(office, site, clock):
    from engine.store.tables import Notification

    item = office.issue_directive(co_units=["hr"])
    office.register_and_assign(item)
    clock.set(at("2026-03-26 18:00"))  # a drill jumps past the reminder, the due time and four chases
    sweep(site)
    with db.read(site.eng) as c:
        n = Notification.__table__.c
        told = c.execute(sa.select(n.person, n.kind, n.body).where(n.kind.in_(["remind", "due", "chase",
                                                                                "escalate"]))).all()
    holders = {"finance.head", "hr.head"}
    assert sorted((p, k) for p, k, _ in told if p in holders) == [
        ("finance.head", "chase"), ("finance.head", "escalate"), ("hr.head", "chase"), ("hr.head", "escalate")]
    assert all("到期" not in body for p, k, body in told)  # no "due on ..." beside "overdue"
    assert {k for p, k, _ in told if p not in holders} == {"escalate"}  # the yellow card's escalation, once each
    assert office.view(item)["card"] == "yellow"
