"""Several machines on one PostgreSQL database: two `duban serve --no-scheduler` replicas take the office's actions
from a client under load (every action sent with an Idempotency-Key, a third of them sent twice, to both
replicas at once), while two sweepers race over the same due timers: the Prefect sweep and dispatch flows in this
process, and the embedded scheduler's jobs in a process of its own. Both sweepers walk the same forty days, one
moment at a time, while the replicas act at the real time and both dispatchers send on the wall clock. Afterwards: every action applied once, every timer fired once,
every message sent once, nothing in the audit log out of place, no deadlock, no server error."""
from __future__ import annotations

import contextvars
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from engine.runtime.boot import demo_org_path, load_org_file
from engine.clock import SystemClock
from engine.store import db
from tests.support.servers import free_port
from engine.store.tables import Event, Instance, Notification, Outbox, Person, Task, Timer
from tests.support.office import CHEAP_HASH, PASSWORD
from tests.support.databases import PG_URL
from tests.support.office import Office

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="several processes on one database: needs PostgreSQL (set DUBAN_TEST_DATABASE_URL); "
                       "SQLite serialises every writer on one file and is for one machine")

ROOT = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
SEEDED, NEW_PER_CLIENT, CLIENTS, DAYS = 12, 2, 4, 40
ACTION_EVENTS = {"accept", "complete", "opinion", "progress", "approve", "submit", "assign"}  # a co-handler's
# `complete` is logged as its `opinion`
TIMER_KINDS = ("remind", "due", "chase", "escalate")


class Replica:
    """`duban serve --no-scheduler` in a process of its own."""

    def __init__(self, url: str, log: Path):
        self.port, self.log = free_port(), log
        env = {**os.environ, "DUBAN_DATABASE_URL": url, "DUBAN_SCHEDULER": "prefect", "DUBAN_ACCESS_LOG": "0",
               "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--no-scheduler", "--port",
                                      str(self.port)], cwd=ROOT, env=env, stdout=log.open("w"),
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}/api/v1"

    def wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while True:  # waiting for a real process to bind, not for simulated time
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "duban serve did not come up"
            time.sleep(0.1)

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        return self.log.read_text()


class Client:
    """The office over HTTP: people signed in once, their requests spread over both replicas."""

    def __init__(self, replicas: list[Replica]):
        self.http = [httpx.Client(base_url=r.base, timeout=30) for r in replicas]
        self.tokens: dict[str, str] = {}
        self.applied: list[tuple[int, str, str]] = []  # (task id, action, idempotency key) answered 200
        self.conflicts = self.replayed = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def headers(self, who: str) -> dict:
        if who not in self.tokens:
            r = self.http[0].post("/auth/token", data={"username": who, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[who] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def task(self, who: str, item: int, step: str, unit: str | None = None) -> dict:
        view = random.choice(self.http).get(f"/instances/{item}", headers=self.headers(who))
        assert view.status_code == 200, view.text
        open_ = [t for t in view.json()["tasks"] if t["step"] == step and t["state"] in ("pending", "active")
                 and (unit is None or (t.get("holder") or {}).get("unit") == unit)]
        assert len(open_) == 1, (step, unit, view.json()["tasks"])
        return open_[0]

    def act(self, who: str, item: int, step: str, action: str, unit: str | None = None, **fields) -> dict:
        """Take an action until it is applied: a 409 (a sweep or a colleague changed the task) means read again."""
        key = str(uuid.uuid4())
        for _ in range(20):
            task = self.task(who, item, step, unit)
            body = {"version": task["version"], **fields}
            path, headers = f"/tasks/{task['id']}/actions/{action}", {**self.headers(who), "Idempotency-Key": key}
            first, second = random.sample(self.http, 2)
            if random.random() < 1 / 3:  # the same request twice at once, one to each replica
                with ThreadPoolExecutor(2) as pool:
                    answers = list(pool.map(lambda h: h.post(path, json=body, headers=headers), (first, second)))
            else:
                answers = [first.post(path, json=body, headers=headers)]
            codes = sorted(a.status_code for a in answers)
            if any(c >= 500 for c in codes) or any(c not in (200, 409) for c in codes):
                with self.lock:
                    self.errors.append(f"{action} on {task['id']}: {[a.text[:300] for a in answers]}")
                return {}
            ok = [a for a in answers if a.status_code == 200]
            if ok:
                bodies = {a.text for a in ok}
                assert len(bodies) == 1, bodies  # a replayed answer is the first answer
                with self.lock:
                    self.applied.append((task["id"], action, key))
                    self.replayed += sum(a.headers.get("idempotent-replayed") == "true" for a in ok)
                return ok[0].json()
            with self.lock:
                self.conflicts += 1
        raise AssertionError(f"{action} on item {item} never got through")

    def start(self, who: str, **subject) -> int:
        r = random.choice(self.http).post("/instances", headers=self.headers(who), json={
            "definition": "directive", "subject": subject})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def close(self) -> None:
        for h in self.http:
            h.close()


def handle_to_close(c: Client, item: int) -> None:
    """Three units sign for their parts, the co-handlers answer, the lead reports and completes, the clerk approves."""
    for unit in ("finance", "hr", "it"):
        c.act(f"{unit}.head", item, "handle", "accept", unit)
    for unit in ("hr", "it"):
        c.act(f"{unit}.head", item, "handle", "complete", unit, opinion=f"{unit} 已落实")
    c.act("finance.head", item, "handle", "progress", "finance", text="已完成自查", percent=60)
    c.act("finance.head", item, "handle", "complete", "finance", report="检查完毕，报告附后")
    c.act("clerk", item, "verify", "approve", comment="材料齐全")


def seed(site, clock) -> tuple[list[int], datetime]:  # noqa: ANN001
    """Twelve directives issued forty-odd days ago, assigned to finance (lead), hr and it, due ten days later."""
    today = SystemClock().now().astimezone(SH).date()
    start = today - timedelta(days=DAYS + 5)
    start -= timedelta(days=start.weekday())  # a Monday
    t0 = datetime(start.year, start.month, start.day, 9, 30, tzinfo=SH)
    clock.set(t0)
    office = Office(site, clock)
    due = (t0 + timedelta(days=10)).date().isoformat()
    items = [office.issue_directive(title=f"安全生产专项检查{i}", due=due) for i in range(SEEDED)]
    for item in items:
        office.register_and_assign(item)
    return items, t0


def test_two_replicas_and_two_sweepers_on_postgres(prefect_server, site, clock, database_url, inbox, tmp_path):
    from workflows.flows import outbox_dispatch, timer_sweep

    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    with db.write(site.eng) as conn:  # every person hears through a webhook of their own
        for login in conn.execute(sa.select(Person.__table__.c.login)).scalars().all():
            conn.execute(Person.__table__.update().where(Person.__table__.c.login == login)
                         .values(channels=[inbox.url(login)]))
    site.reload()
    items, t0 = seed(site, clock)
    deadlocks_before = _deadlocks(site)

    clock_file = tmp_path / "clock"
    clock_file.write_text("")
    replicas = [Replica(database_url, tmp_path / f"replica{i}.log") for i in range(2)]
    sweeper_log = (tmp_path / "sweeper.log").open("w")
    sweeper = subprocess.Popen([sys.executable, "-m", "tests.workflows.embedded_sweeper", database_url,
                                str(clock_file)], cwd=ROOT, stdout=sweeper_log, stderr=subprocess.STDOUT)
    client = Client(replicas)
    flow_fired, flow_failed = [], []
    try:
        for r in replicas:
            r.wait_up()

        day, moved = [0], threading.Condition()

        def prefect_sweeper():  # walks the forty days; tells the embedded sweeper each moment as it gets there
            for d in range(1, DAYS + 1):
                moment = t0 + timedelta(days=d, hours=9)  # 18:30 each day
                tmp = clock_file.with_suffix(".tmp")
                tmp.write_text(moment.isoformat())
                tmp.replace(clock_file)
                result = timer_sweep(database_url=database_url, now=moment, batch_size=5)
                flow_fired.extend(f["timer_id"] for f in result["fired"])
                flow_failed.extend(result["failed"])
                outbox_dispatch(database_url=database_url)  # on the wall clock, as every dispatcher must be
                with moved:
                    day[0] = d
                    moved.notify_all()

        def office_work(n: int):  # one client thread: its share of the old items, then new ones end to end
            for k, item in enumerate(items[n::CLIENTS]):
                with moved:  # the items close one after another over the forty days, some chased for weeks
                    moved.wait_for(lambda: day[0] >= 6 + (k * CLIENTS + n) * (DAYS - 8) // SEEDED, timeout=300)
                handle_to_close(client, item)
            for i in range(NEW_PER_CLIENT):
                due = (SystemClock().now() + timedelta(days=30)).date().isoformat()
                new = client.start("leader", title=f"新交办事项{n}-{i}", instruction="请牵头落实。", leader="leader",
                                   lead_unit="finance", co_units=["hr", "it"], due=due)
                client.act("clerk", new, "register", "submit")
                client.act("office", new, "assign", "assign", lead="finance", co=["hr", "it"], due=due)
                handle_to_close(client, new)

        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            # the flows run in this thread's context: the test Prefect server's settings, no heartbeat thread
            jobs = [pool.submit(contextvars.copy_context().run, prefect_sweeper)]
            jobs += [pool.submit(office_work, n) for n in range(CLIENTS)]
            for job in jobs:
                job.result(timeout=600)
        clock_file.write_text("stop")
        assert sweeper.wait(timeout=60) == 0
        while any(contextvars.copy_context().run(outbox_dispatch, database_url=database_url).values()):
            pass  # the rest, on the wall clock: what the replicas' actions wrote at the real time
    finally:
        client.close()
        if sweeper.poll() is None:
            clock_file.write_text("stop")
            sweeper.wait(timeout=60)
        logs = [r.stop() for r in replicas]
        sweeper_log.close()

    # the replicas said who runs the timers, and never failed a request
    assert all("timers: Prefect (DUBAN_SCHEDULER=prefect)" in log for log in logs)
    assert client.errors == []
    assert not any("deadlock" in log.lower() or "Traceback" in log for log in logs), logs
    assert "Traceback" not in (tmp_path / "sweeper.log").read_text(), (tmp_path / "sweeper.log").read_text()
    assert flow_failed == []
    assert _deadlocks(site) == deadlocks_before

    with db.read(site.eng) as conn:
        ev = Event.__table__.c
        events = conn.execute(sa.select(ev.id, ev.task_id, ev.kind, ev.actor, ev.data).order_by(ev.id)).all()
        tm = Timer.__table__.c
        timers = {r.id: r for r in conn.execute(sa.select(tm.id, tm.task_id, tm.kind, tm.state, tm.attempts))}
        ob = Outbox.__table__.c
        outbox = conn.execute(sa.select(ob.id, ob.notification_id, ob.channel, ob.title, ob.body, ob.state)).all()
        notes = conn.execute(sa.select(sa.func.count()).select_from(Notification.__table__)).scalar_one()
        item_states = dict(conn.execute(sa.select(Instance.__table__.c.state, sa.func.count())
                                        .group_by(Instance.__table__.c.state)).all())
        serials = conn.execute(sa.select(Instance.__table__.c.serial)).scalars().all()
        open_tasks = conn.execute(sa.select(sa.func.count()).where(  # the leader's rating (办结评价) waits apart
            Task.__table__.c.state.in_(["pending", "active"]), Task.__table__.c.kind != "rating")).scalar_one()

    # every action the office took was applied exactly once, and logged once
    took = Counter((task, action) for task, action, _ in client.applied)
    assert set(took.values()) == {1} and len({key for *_, key in client.applied}) == len(client.applied)
    acted = Counter(task for task, _, _ in client.applied)
    logged = Counter(e.task_id for e in events if e.actor and e.kind in ACTION_EVENTS and e.task_id in acted)
    assert logged == acted
    assert item_states == {"completed": SEEDED + CLIENTS * NEW_PER_CLIENT} and open_tasks == 0
    assert len(set(serials)) == len(serials)

    # every timer fired at most once, by one of the two sweepers, and each fired one has its one audit event
    fired = Counter(e.data["timer"] for e in events if e.kind in TIMER_KINDS and e.actor is None)
    assert set(fired.values()) == {1}
    # (the timers of the chase kinds: a milestone's, a report window's or a rating's may fire without a chase event)
    assert {t for t, row in timers.items() if row.state == "fired" and row.kind in TIMER_KINDS} == set(fired)
    assert not [row for row in timers.values() if row.state == "failed" or row.attempts]
    all_fired = {t for t, row in timers.items() if row.state == "fired"}
    assert len(flow_fired) == len(set(flow_fired)) and set(flow_fired) <= all_fired
    embedded = len(all_fired) - len(flow_fired)
    assert len(flow_fired) > 0 and embedded > 0, (len(flow_fired), embedded)  # both sweepers won some
    # no reminder about a task after it was completed
    done_at = {e.task_id: e.id for e in events if e.kind == "complete"}
    late = [e for e in events if e.kind in TIMER_KINDS and e.task_id in done_at and e.id > done_at[e.task_id]]
    assert late == []

    # every message was sent, and arrived exactly once
    assert {r.state for r in outbox} == {"sent"} and len(outbox) >= notes > 0
    sent = Counter((r.channel.split("/", 3)[3], r.title, r.body) for r in outbox)
    got = Counter((path.lstrip("/"), title, body) for path, title, body in inbox.received)
    assert got == sent
    print(f"\n{len(took)} actions ({client.replayed} answered from the idempotency store, {client.conflicts} "
          f"conflicts re-read), {len(fired)} timers fired ({len(flow_fired)} by the Prefect flow, {embedded} by "
          f"the embedded scheduler), {len(outbox)} messages sent once each")


def _deadlocks(site) -> int:  # noqa: ANN001
    with db.read(site.eng) as conn:
        return conn.execute(sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
                            ).scalar_one()
