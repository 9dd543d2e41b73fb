"""Idempotency-Key: a retried or duplicated action POST acts once, and the audit log shows one event."""
from __future__ import annotations

import threading

import httpx

from tests.api.test_lifecycle_server import Person, server  # noqa: F401  (the real-server fixture)


def _events(api, item: int, kind: str) -> int:
    events = api.ok("GET", "/audit", "admin", params={"instance": item})["events"]
    return sum(1 for e in events if e["kind"] == kind)


def test_the_same_action_posted_twice_with_one_key_acts_once(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    path = f"/tasks/{lead['id']}/actions/progress"
    body = {"text": "已完成自查", "percent": 40}
    first = api.post(path, "finance.head", json=body, headers={"Idempotency-Key": "progress-0302-1"})
    again = api.post(path, "finance.head", json=body, headers={"Idempotency-Key": "progress-0302-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert (first.headers["idempotent-replayed"], again.headers["idempotent-replayed"]) == ("false", "true")
    assert _events(api, item, "progress") == 1

    other = api.post(path, "finance.head", json=body, headers={"Idempotency-Key": "progress-0302-2"})
    assert other.status_code == 200 and _events(api, item, "progress") == 2


def test_a_key_reused_for_another_request_is_refused(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    key = {"Idempotency-Key": "k-1"}
    assert api.post(f"/tasks/{lead['id']}/actions/comment", "finance.head", json={"text": "一"}, headers=key).status_code == 200
    r = api.post(f"/tasks/{lead['id']}/actions/comment", "finance.head", json={"text": "二"}, headers=key)
    assert r.status_code == 422 and r.json()["error"]["code"] == "idempotency_key_reused"
    assert _events(api, item, "comment") == 1


def test_keys_belong_to_one_person(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    key = {"Idempotency-Key": "same-key"}
    for who in ("finance.head", "clerk"):
        assert api.post(f"/tasks/{lead['id']}/actions/comment", who, json={"text": "收到"}, headers=key).status_code == 200
    assert _events(api, item, "comment") == 2


def test_a_failed_action_releases_its_key_for_a_retry(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    key = {"Idempotency-Key": "retry-me"}
    path = f"/tasks/{lead['id']}/actions/accept"
    assert api.post(path, "finance.head", json={"version": lead["version"] + 5}, headers=key).status_code == 409
    ok = api.post(path, "finance.head", json={"version": lead["version"] + 5}, headers=key)
    assert ok.status_code == 409  # still stale: nothing was stored, nothing acted
    assert api.post(path, "finance.head", json={"version": lead["version"]}, headers={"Idempotency-Key": "r2"}).status_code == 200
    assert _events(api, item, "accept") == 1


def test_concurrent_duplicates_over_the_real_server_act_once(server, api):  # noqa: F811
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    head = Person(server, "finance.head")
    n = 8
    barrier, answers = threading.Barrier(n), []

    def post() -> None:
        with httpx.Client(base_url=server, headers=head.http.headers, timeout=30) as http:
            barrier.wait()
            r = http.post(f"/tasks/{lead['id']}/actions/progress", json={"text": "并发反馈", "percent": 50},
                          headers={"Idempotency-Key": "burst-1"})
            answers.append((r.status_code, r.json(), r.headers["idempotent-replayed"]))

    threads = [threading.Thread(target=post) for _ in range(n)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [s for s, _, _ in answers] == [200] * n
    assert all(body == answers[0][1] for _, body, _ in answers)
    assert sorted(replayed for _, _, replayed in answers) == ["false"] + ["true"] * (n - 1)
    assert _events(api, item, "progress") == 1


def test_a_retried_start_registers_one_item(api):
    body = {"definition": "directive", "subject": {"title": "重复提交测试", "instruction": "x"}}
    first = api.post("/instances", "leader", json=body, headers={"Idempotency-Key": "start-1"})
    again = api.post("/instances", "leader", json=body, headers={"Idempotency-Key": "start-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["location"] == first.headers["location"]
    assert api.ok("GET", "/instances", "leader")["total"] == 1
