"""A directive from issue to close through the real server (uvicorn on a loopback port), as five people
signed in over HTTP; and `duban serve --demo` started as a command."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from tests.support.servers import free_port, serving
from tests.support.office import PASSWORD

ROOT = Path(__file__).resolve().parents[2]




@pytest.fixture
def server(api_site):
    """uvicorn serving the test site in a background thread; yields its base URL."""
    with serving(create_app(api_site)) as base:
        yield f"{base}/api/v1"


class Person:
    """One signed-in person with their own HTTP connection."""

    def __init__(self, base: str, login: str):
        self.login = login
        self.http = httpx.Client(base_url=base, timeout=10)
        r = self.http.post("/auth/token", data={"username": login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def my_task(self, step: str, kind: str = "work") -> dict:
        tasks = [t for t in self.http.get("/me/tasks", params={"view": "full"}).json()
                 if t["step"] == step and t["kind"] == kind]
        assert len(tasks) == 1, tasks
        return tasks[0]

    def act(self, task: dict, action: str, **fields) -> dict:
        assert action in [a["name"] for a in task["actions"]], (action, task["actions"])
        r = self.http.post(f"/tasks/{task['id']}/actions/{action}", json={"version": task["version"], **fields})
        assert r.status_code == 200, r.text
        return r.json()


def test_a_directive_from_issue_to_close_over_http(server):
    leader, clerk, office = Person(server, "leader"), Person(server, "clerk"), Person(server, "office")
    head, staff = Person(server, "finance.head"), Person(server, "finance.staff1")

    r = leader.http.post("/instances", json={"definition": "directive", "subject": {
        "title": "落实安全生产大检查", "instruction": "请财务部牵头开展自查。", "leader": "leader",
        "lead_unit": "finance", "co_units": [], "due": "2026-03-20", "priority": "urgent"}})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["serial"] == "督〔2026〕1号" and r.headers["location"] == f"/api/v1/instances/{item['id']}"

    clerk.act(clerk.my_task("register"), "submit")
    assign = office.my_task("assign")
    assert assign["data"]["prefill"] == {"lead": "finance", "due": "2026-03-20"}
    office.act(assign, "assign", lead="finance", co=[], due="2026-03-20")

    handle = head.my_task("handle")
    assert handle["state"] == "pending" and handle["holder"] == {"unit": "finance"}
    head.act(handle, "accept")
    head.act(head.my_task("handle"), "transfer", to="finance.staff1", reason="请郑会计具体承办")

    mine = [t for t in staff.http.get("/me/tasks", params={"view": "full"}).json() if t["holder"] == {"person": "finance.staff1"}]
    assert len(mine) == 1
    staff.act(mine[0], "accept")
    staff.act(staff.my_task("handle"), "progress", text="已完成自查，正在整改", percent=60)
    staff.act(staff.my_task("handle"), "request_extension", new_due="2026-03-27", reason="需等待审计结果")

    office.act(office.my_task("handle", kind="extension"), "approve", comment="同意延期一周")
    task = staff.my_task("handle")
    assert task["due_at"].startswith("2026-03-27T10:00:00")  # 18:00 in Shanghai
    result = staff.act(task, "complete", report="检查完毕，整改清单附后")
    assert result["task"]["state"] == "done" and result["item"]["current_step"] == "verify"

    done = clerk.act(clerk.my_task("verify"), "approve", comment="材料齐全，同意销号")
    assert done["item"]["state"] == "completed"

    final = leader.http.get(f"/instances/{item['id']}").json()
    assert final["state"] == "completed" and final["progress"] == "检查完毕，整改清单附后"
    assert [e["kind"] for e in final["timeline"]] == [
        "start", "enter", "submit", "enter", "assign", "enter", "accept", "transfer", "accept", "progress",
        "request_extension", "extension_approved", "complete", "enter", "approve", "end", "rating_requested"]
    actors = {e["actor"] for e in final["timeline"] if e["actor"]}
    assert {"leader", "clerk", "office", "finance.head", "finance.staff1"} <= actors
    english = httpx.get(f"{server}/instances/{item['id']}", headers={
        **leader.http.headers, "Accept-Language": "en-GB"}).json()
    assert english["state_label"]["en"] == "Completed" and "transferred to" in english["timeline"][7]["text"]


def test_duban_serve_demo_starts_a_working_server(tmp_path):
    port = free_port()
    env = {**os.environ, "DUBAN_DEMO_PASSWORD": "drill-pass-1", "DUBAN_ACCESS_LOG": "0", "PYTHONUNBUFFERED": "1"}
    env.pop("DUBAN_BASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "serve", "--demo", "--no-scheduler", "--port", str(port),
         "--db", f"sqlite:///{tmp_path / 'demo.db'}"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "duban serve did not come up"
            time.sleep(0.2)
        r = httpx.post(f"{base}/auth/token", data={"username": "clerk", "password": "drill-pass-1"})
        assert r.status_code == 200, r.text
        items = httpx.get(f"{base}/instances", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
        assert items.json()["total"] >= 1  # the demo items in flight
        board = httpx.get(f"{base}/supervision/summary",
                          headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
        assert board["counts"]["overdue"] >= 2 and board["counts"]["red"] == 1 and board["counts"]["yellow"] == 1
        assert httpx.post(f"{base}/auth/token", data={"username": "clerk", "password": "duban-demo"}).status_code == 401
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "drill-pass-1" in out and "DEMO MODE" in out
    assert "demo sign-ins" in out and all(f"  {login} " in out for login in ("leader", "clerk", "finance.staff1"))
    assert "timers: off (--no-scheduler)" in out
    assert "DUBAN_BASE_URL 未设置" in out and "DUBAN_BASE_URL is not set" in out  # messages would carry no link
