"""批量办理 over HTTP: the finance head signs for the morning's five tasks at once; each is checked and applied on its
own, so the one already signed for is refused in the error shape and the other four are signed for."""
from __future__ import annotations


def lead_task(api, item):
    return api.task("finance.head", item, "handle", holder={"unit": "finance"})


def test_the_finance_head_signs_for_five_tasks_at_once_and_one_is_refused(api):
    items = [api.directive_at_handle(title=f"落实第 {n} 项整改") for n in range(1, 6)]
    tasks = [lead_task(api, i)["id"] for i in items]
    api.act("finance.head", tasks[2], "accept")  # signed for on its own earlier this morning
    r = api.ok("POST", "/tasks/bulk/accept", "finance.head", json={"task_ids": tasks, "fields": {}})
    assert (r["done"], r["refused"]) == (4, 1)
    refused = [x for x in r["results"] if not x["ok"]]
    assert [x["task_id"] for x in refused] == [tasks[2]]
    assert refused[0]["error"]["code"] in ("not_allowed", "conflict") and refused[0]["status"] in (403, 409)
    assert "签收" in refused[0]["error"]["message"] or "已" in refused[0]["error"]["message"]
    for item, tid in zip(items, tasks):
        assert lead_task(api, item)["state"] == "active"
        signed = [e for e in api.ok("GET", f"/instances/{item}", "finance.head")["timeline"]
                  if e["kind"] == "accept" and e["task_id"] == tid]
        assert len(signed) == 1  # one audit event each, bulk or not


def test_a_task_one_may_not_see_is_refused_as_not_found_and_limits_are_stated(api):
    mine = api.directive_at_handle(title="预算执行检查")
    task = lead_task(api, mine)["id"]
    r = api.ok("POST", "/tasks/bulk/accept", "hr.staff1", json={"task_ids": [task], "fields": {}})
    assert r["results"][0]["error"]["code"] in ("not_found", "not_allowed")
    too_many = api.post("/tasks/bulk/accept", "finance.head", json={"task_ids": list(range(1, 202)), "fields": {}})
    assert too_many.status_code == 422 and "error" in too_many.json()
    bad = api.post("/tasks/bulk/cancel", "finance.head", json={"task_ids": [task], "fields": {}})
    assert bad.status_code == 422 and "accept" in bad.json()["error"]["message"]
    twice = api.post("/tasks/bulk/accept", "finance.head", json={"task_ids": [task, task], "fields": {}})
    assert twice.status_code == 422 and twice.json()["error"]["details"]["field"] == "task_ids"


def test_the_clerk_chases_several_tasks_in_one_go(api):
    items = [api.directive_at_handle(title=f"督办事项 {n}") for n in range(1, 4)]
    tasks = [lead_task(api, i)["id"] for i in items]
    r = api.ok("POST", "/tasks/bulk/chase", "clerk", json={"task_ids": tasks, "fields": {"message": "请本周内反馈"}})
    assert r["done"] == 3
    assert all(lead_task(api, i)["chase_count"] == 1 for i in items)
