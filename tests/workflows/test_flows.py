"""The sweep and the dispatch as real Prefect flows (a temporary Prefect server, once per session) do exactly what
the embedded path does: the same office quarter is built twice, one twin swept by the engine in-process, the
other by the flows, and every row they leave behind is compared."""
from __future__ import annotations

import re

from collections import Counter
from dataclasses import asdict
from datetime import timedelta

import sqlalchemy as sa

from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.clock import ManualClock
from engine.runtime.outbox import dispatch
from engine.store import db
from engine.store.tables import Event, Instance, Notification, Outbox, Person, Task, Timer
from engine.runtime.sweep import sweep
from tests.support.clock import at
from tests.support.office import Office

MOMENTS = ["2026-03-18 09:00", "2026-03-20 18:30", "2026-03-23 18:30", "2026-03-25 18:30", "2026-03-27 18:30",
           "2026-04-10 10:00"]  # reminders, at due, first chase, yellow card, red card, after three weeks down


def build_office(url: str, channel=None):  # noqa: ANN001
    """The same small quarter every time: four directives, some accepted, one co-handler done early."""
    clock = ManualClock(at("2026-03-02 09:30"))
    site = open_site(url, clock, migrate=False)
    load_org_file(site, demo_org_path())
    if channel:
        with db.write(site.eng) as conn:
            for login in conn.execute(sa.select(Person.__table__.c.login)).scalars().all():
                conn.execute(Person.__table__.update().where(Person.__table__.c.login == login)
                             .values(channels=[channel(login)]))
        site.reload()
    office = Office(site, clock)
    items = [office.issue_directive(title=f"专项检查{i}", co_units=co)
             for i, co in enumerate([["hr", "it"], ["hr"], [], ["it", "service"]])]
    for item in items:
        office.register_and_assign(item)
    office.do("finance.head", items[0], "handle", "accept", on="finance")
    office.do("it.head", items[0], "handle", "accept", on="it")
    office.do("hr.head", items[1], "handle", "accept", on="hr")
    office.do("hr.head", items[1], "handle", "complete", on="hr", opinion="同意")
    return site, clock, office, items


def rows(site) -> dict:  # noqa: ANN001
    """Everything a sweep or a dispatch can touch, in id order."""
    cols = {
        Timer: ["id", "key", "state", "fired_at", "attempts", "error"],
        Event: ["id", "instance_id", "task_id", "at", "kind", "actor", "message_zh", "data"],
        Notification: ["id", "person", "instance_id", "task_id", "kind", "title", "body", "created_at"],
        Outbox: ["id", "person", "channel", "title", "body", "state", "attempts", "last_error"],
        Task: ["id", "state", "card", "chase_count", "version"],
        Instance: ["id", "state", "card", "version"],
    }
    with db.read(site.eng) as conn:
        return {m.__tablename__: [tuple(_same_link(v) for v in r) for r in conn.execute(
            sa.select(*(m.__table__.c[c] for c in cs)).order_by(m.__table__.c[cs[0]]))] for m, cs in cols.items()}


def _same_link(value):  # noqa: ANN001, ANN202
    """One-tap links are random per message: compare that a message carries one, not which."""
    return re.sub(r"/go/[A-Za-z0-9_-]+", "/go/TOKEN", value) if isinstance(value, str) else value


def test_the_sweep_flow_fires_what_the_embedded_sweep_fires(prefect_server, twin_urls):
    from workflows.flows import timer_sweep

    site, clock, office, items = build_office(twin_urls())
    embedded = []
    for moment in MOMENTS:
        clock.set(at(moment))
        embedded.append([asdict(f) for f in sweep(site).fired])
        if moment == MOMENTS[1]:
            office.do("it.head", items[0], "handle", "complete", on="it", opinion="已落实")
    expected = rows(site)
    site.eng.dispose()

    url = twin_urls()
    site, clock, office, items = build_office(url)
    flowed = []
    for moment in MOMENTS:
        clock.set(at(moment))
        result = timer_sweep(database_url=url, now=clock.now())
        assert result["failed"] == []
        flowed.append(result["fired"])
        if moment == MOMENTS[1]:
            office.do("it.head", items[0], "handle", "complete", on="it", opinion="已落实")
    got = rows(site)
    site.eng.dispose()

    assert [len(f) for f in flowed] == [len(f) for f in embedded]
    assert sum(map(len, embedded)) > 40 and {f["kind"] for fs in embedded for f in fs} == {
        "remind", "due", "chase", "escalate", "report"}  # report: the leads' Friday reports (定期反馈)
    assert flowed == embedded
    assert got == expected


def test_the_dispatch_flow_sends_what_the_embedded_dispatch_sends(prefect_server, twin_urls, inbox):
    from workflows.flows import outbox_dispatch

    outcomes, received = [], []
    for twin in ("a", "b"):
        url = twin_urls()
        site, clock, office, _ = build_office(url, channel=lambda login, t=twin: inbox.url(f"{t}/{login}"))
        inbox.fail = {f"/{twin}/hr.head"}  # one channel refuses: the engine's per-message backoff, in both
        clock.set(at(MOMENTS[2]))
        sweep(site)
        if twin == "a":
            while any(dispatch(site, limit=7).__dict__.values()):
                pass
        else:
            result = outbox_dispatch(database_url=url, now=clock.now(), limit=7)
            assert len(result["sent"]) > 7 and len(result["failed"]) > 0  # several batches, failures recorded
        outcomes.append(rows(site)["outbox"])
        received.append(Counter((path.split("/", 2)[2], title, body) for path, title, body in inbox.received
                                if path.startswith(f"/{twin}/")))
        site.eng.dispose()

    a, b = outcomes
    strip = lambda rs: [r[:2] + r[3:] for r in rs]  # noqa: E731 - the channel URL names its twin
    assert strip(a) == strip(b)
    assert {r[5] for r in a} == {"sent", "failed"}
    assert received[0] == received[1]
    assert sum(received[0].values()) == sum(1 for r in a if r[5] == "sent")  # each sent message arrived once


def test_prefect_retries_a_dispatch_batch_that_raised(prefect_server, twin_urls, inbox, monkeypatch):
    from workflows import flows

    url = twin_urls()
    site, clock, office, _ = build_office(url, channel=lambda login: inbox.url(login))
    clock.set(at(MOMENTS[0]))
    sweep(site)
    calls = {"n": 0}
    real = flows.dispatch

    def flaky(site_, **kw):  # noqa: ANN001, ANN003
        calls["n"] += 1
        if calls["n"] == 1:
            raise sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real(site_, **kw)

    monkeypatch.setattr(flows, "dispatch", flaky)
    assert flows.dispatch_batch.retries == 3
    result = flows.outbox_dispatch(database_url=url, now=clock.now() + timedelta(seconds=1))
    assert calls["n"] >= 2 and result["failed"] == [] and len(result["sent"]) == len(inbox.received) > 0
    with db.read(site.eng) as conn:
        states = conn.execute(sa.select(Outbox.__table__.c.state)).scalars().all()
    assert set(states) == {"sent"}
    site.eng.dispose()
