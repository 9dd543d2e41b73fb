"""One scheduler per site: two `duban serve` processes on one database elect one holder of the scheduler role through
their leases; the other stands by, and takes over when the holder's heartbeat goes stale or the holder stops cleanly.
Times are explicit (the lease runs on the wall clock; tests never sleep)."""
from __future__ import annotations

from datetime import timedelta

from engine.clock import SystemClock
from engine.runtime.lease import FRESH, Lease
from engine.runtime import scheduler
from engine.runtime.scheduler import gated
from engine.store import db, leases


def _hold(site, lease_id: str, now) -> bool:
    with db.write(site.eng) as conn:
        return leases.hold_role(conn=conn, role="scheduler", lease_id=lease_id, host="box", pid=1, now=now,
                                within=FRESH)


def test_the_first_server_holds_the_scheduler_and_the_second_takes_over_only_when_it_goes_quiet(site):
    t0 = SystemClock().now()
    assert _hold(site, "a", t0)
    assert not _hold(site, "b", t0)
    assert not _hold(site, "b", t0 + timedelta(seconds=20))  # a's heartbeat is 20 s old: alive
    assert _hold(site, "a", t0 + timedelta(seconds=30))  # a renews
    assert not _hold(site, "b", t0 + timedelta(seconds=60))  # 30 s since a's last beat: still alive
    assert _hold(site, "b", t0 + timedelta(seconds=70))  # 40 s > FRESH: a died, b takes over
    assert not _hold(site, "a", t0 + timedelta(seconds=71))  # a comes back: it stands by now
    with db.read(site.eng) as conn:
        assert leases.role_holder(conn=conn, role="scheduler")["address"] == "b"


def test_a_clean_stop_hands_the_scheduler_over_at_the_next_heartbeat(site):
    t0 = SystemClock().now()
    assert _hold(site, "a", t0) and not _hold(site, "b", t0)
    with db.write(site.eng) as conn:
        leases.release_role(conn=conn, role="scheduler", lease_id="b")  # not the holder: nothing happens
    assert not _hold(site, "b", t0 + timedelta(seconds=1))
    with db.write(site.eng) as conn:
        leases.release_role(conn=conn, role="scheduler", lease_id="a")
    assert _hold(site, "b", t0 + timedelta(seconds=2))


def test_two_servers_on_one_database_run_one_scheduler_and_restore_still_counts_two_servers(site):
    first = Lease(site.eng, "http://127.0.0.1:8000/", heartbeat=timedelta(hours=1), roles=("scheduler",))
    second = Lease(site.eng, "http://127.0.0.1:8001/", heartbeat=timedelta(hours=1), roles=("scheduler",))
    try:
        assert first.holds("scheduler") and not second.holds("scheduler")
        with db.read(site.eng) as conn:  # the role's row is not a third server for `duban restore`
            assert sorted(r["id"] for r in leases.fresh(conn=conn, now=SystemClock().now(), within=FRESH)) == \
                sorted([first.id, second.id])
        first.stop()
        second._renew()  # its next heartbeat
        assert second.holds("scheduler")
    finally:
        first.stop()
        second.stop()
    with db.read(site.eng) as conn:
        assert leases.role_holder(conn=conn, role="scheduler") is None


def test_the_jobs_of_a_standing_by_server_skip_their_turn(site, monkeypatch):
    ran = []
    holder = {"now": False}
    job = gated(lambda: ran.append(1) or "swept", lambda: holder["now"])
    assert job() is None and ran == []
    holder["now"] = True
    assert job() == "swept" and ran == [1]
    swept = []
    monkeypatch.setattr(scheduler, "run_sweep", lambda s: swept.append(s))
    holder["now"] = False  # another server holds the scheduler (its first sweep, at start, is skipped too)
    sched = scheduler.start_scheduler(site, sweep_seconds=3600, dispatch_seconds=3600, purge_seconds=3600,
                                      gate=lambda: holder["now"])
    try:
        sched.pause()
        sweep = sched.get_job("sweep")
        sweep.func(*sweep.args)
        assert swept == []  # standing by: no sweep
        holder["now"] = True
        sweep.func(*sweep.args)
        assert swept and set(map(id, swept)) == {id(site)}  # holding it: the sweep runs
    finally:
        sched.shutdown(wait=False)
