"""`duban serve` with DUBAN_WORKERS=2 on SQLite, or on PostgreSQL with DUBAN_TEST_DATABASE_URL (issue 17): a real server (uvicorn subprocess, two worker
processes) takes writes from six clerks and leaders at once; every write lands once, the audit chain verifies,
the one scheduler (in the parent process) sweeps while they write and no timer fires twice, and the banner names
the database given by --db and the number of workers."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.support.office import DIRECTIVE
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "workers-pass-1"
ROUNDS = 4  # directives each writer issues and registers
DUE = (date.today() + timedelta(days=40)).isoformat()  # the real server runs on the real clock


def up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300  # a real process playing the demo's history: slow on a busy machine
    while True:
        assert proc.poll() is None, proc.stdout.read()
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "duban serve did not come up"
        time.sleep(0.2)


def token(base: str, login: str) -> dict:
    r = httpx.post(f"{base}/auth/token", data={"username": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def issue_and_register(base: str, leader: dict, clerk: dict, n: int) -> int:
    """The leader issues a directive, the clerk registers it (lean answers): two audited writes."""
    with httpx.Client(base_url=base, timeout=60) as http:
        r = http.post("/instances?return=minimal", headers=leader,
                      json={"definition": "directive", "subject": {**DIRECTIVE, "title": f"并发事项 {n}", "due": DUE}})
        assert r.status_code == 201, r.text
        task = next(t for t in r.json()["tasks"] if t["step"] == "register")
        r = http.post(f"/tasks/{task['id']}/actions/submit?return=minimal", headers=clerk,
                      json={"version": task["version"]})
        assert r.status_code == 200, r.text
        return r.json()["item"]["id"]


@pytest.fixture
def database_url(tmp_path):
    """A fresh SQLite file, or (with DUBAN_TEST_DATABASE_URL) a scratch database on that PostgreSQL server."""
    pg = os.environ.get("DUBAN_TEST_DATABASE_URL")
    if not pg:
        yield f"sqlite:///{tmp_path / 'workers.db'}"
        return
    name = f"duban_workers_{os.getpid()}"
    admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_worker_processes_take_parallel_writes_once_each(tmp_path, database_url):
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    env = {**os.environ, "DUBAN_DEMO_PASSWORD": PASSWORD, "DUBAN_ACCESS_LOG": "0", "DUBAN_WORKERS": "2",
           "DUBAN_SWEEP_SECONDS": "0.3", "DUBAN_DISPATCH_SECONDS": "0.3", "PYTHONUNBUFFERED": "1",
           "DUBAN_DATABASE_URL": f"sqlite:///{tmp_path / 'not-this-one.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "serve", "--demo", "--port", str(port),
                             "--db", database_url], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        up(base, proc)
        leader, clerk = token(base, "leader"), token(base, "clerk")
        before = httpx.get(f"{base}/instances", headers=clerk).json()["total"]
        with ThreadPoolExecutor(6) as pool:
            ids = list(pool.map(lambda n: issue_and_register(base, leader, clerk, n), range(6 * ROUNDS)))
        assert len(set(ids)) == 6 * ROUNDS
        assert httpx.get(f"{base}/instances", headers=clerk).json()["total"] == before + 6 * ROUNDS
        time.sleep(1.5)  # let the parent's scheduler sweep a few more times (real time, a real server)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "DUBAN_DATABASE_URL" in out and make_url(database_url).database in out and "not-this-one" not in out
    assert "DUBAN_WORKERS" in out and "worker processes (DUBAN_WORKERS): 2" in out
    assert out.count("timers: embedded scheduler") == 1

    eng = sa.create_engine(database_url)
    with eng.connect() as con:
        kinds = Counter(tuple(r) for r in con.execute(sa.text(
            "select instance_id, kind from event where instance_id in (%s)" % ",".join(map(str, ids)))))
        assert all(kinds[(i, "start")] == 1 and kinds[(i, "submit")] == 1 for i in ids)
        # what the scheduler did (the demo's items in flight have due and overdue timers): each timer once
        fired = Counter((r.task_id, r.kind, str(r.data)) for r in con.execute(sa.text(
            "select task_id, kind, data from event where actor is null and task_id is not null")))
    eng.dispose()
    assert fired and max(fired.values()) == 1, [k for k, n in fired.items() if n > 1]
    verify = subprocess.run([sys.executable, "-m", "engine.cli", "audit", "--db", database_url, "verify"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
