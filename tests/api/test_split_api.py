"""任务分解 over HTTP: the split action and its fields on the task, item JSON with `parent`, `children` and the
roll-up, `GET /instances?parent=ID` for whoever may see the parts, the completion guard's message, the depth limit
and the bound on the number of parts (said in the OpenAPI document)."""
from __future__ import annotations

PARTS = [{"title": "财务部门安全自查", "lead": "finance.staff1", "due": "2026-03-13"},
         {"title": "全员安全生产培训", "lead": "hr", "due": "2026-03-16"},
         {"title": "信息系统安全排查", "lead": "it", "co": ["service"], "due": "2026-03-18"}]


def lead_task(api, item, who="finance.head", unit="finance"):
    return api.task(who, item, "handle", holder={"unit": unit})


def split_at_handle(api) -> tuple[int, int]:
    item = api.directive_at_handle()
    task = lead_task(api, item)
    api.act("finance.head", task["id"], "accept")
    api.act("finance.head", task["id"], "split", parts=PARTS)
    return item, task["id"]


def test_the_lead_is_offered_split_with_its_parts_field_and_its_bound(api):
    item = api.directive_at_handle()
    task = lead_task(api, item)
    api.act("finance.head", task["id"], "accept")
    offered = {a["name"]: a for a in lead_task(api, item)["actions"]}
    assert offered["split"]["label"] == {"zh": "任务分解", "en": "Split into parts"}
    parts = offered["split"]["fields"][0]
    assert (parts["name"], parts["type"], parts["required"], parts["max_items"]) == ("parts", "parts", True, 50)
    hr = api.task("hr.head", item, "handle", holder={"unit": "hr"})
    assert "split" not in [a["name"] for a in hr["actions"]]  # a co-handler does not split the item
    schema = api.ok("GET", "/openapi.json")
    assert "a split's parts 50" in str(schema)


def test_item_json_has_children_and_each_part_its_parent(api):
    item, _ = split_at_handle(api)
    body = api.ok("GET", f"/instances/{item}", "clerk")
    assert body["parent"] is None
    assert [(c["serial"], c["lead"], c["state"]) for c in body["children"]] == [
        ("督〔2026〕1-1号", "郑会计", "running"), ("督〔2026〕1-2号", "人力资源部", "running"),
        ("督〔2026〕1-3号", "信息技术部", "running")]
    assert body["rollup"] | {"earliest_due": None} == {"parts": 3, "open": 3, "closed": 0, "progress": 0,
                                                       "weighted": False, "earliest_due": None, "worst_card": "none"}
    part = api.ok("GET", f"/instances/{body['children'][2]['id']}", "clerk")
    assert part["parent"] == {"id": item, "serial": "督〔2026〕1号", "title": "落实安全生产大检查"}
    assert part["children"] == [] and part["rollup"] is None
    # IT handles the part but has no business with the directive itself: the part does not show it
    assert api.get(f"/instances/{item}", "it.head").status_code == 404
    assert api.ok("GET", f"/instances/{part['id']}", "it.head")["parent"] is None


def test_instances_by_parent_show_only_the_parts_the_caller_may_see(api):
    item, _ = split_at_handle(api)
    every = api.ok("GET", "/instances", "clerk", params={"parent": item})
    assert [i["serial"] for i in every["items"]] == ["督〔2026〕1-3号", "督〔2026〕1-2号", "督〔2026〕1-1号"]
    assert every["total"] == 3
    it_sees = [i["serial"] for i in api.ok("GET", "/instances", "it.staff1", params={"parent": item})["items"]]
    assert "督〔2026〕1-3号" in it_sees and "督〔2026〕1-2号" not in it_sees
    # HR co-handles the directive: its page shows HR staff the parts they may see, and the roll-up counts only those
    hr_sees = [i["serial"] for i in api.ok("GET", "/instances", "hr.staff1", params={"parent": item})["items"]]
    assert "督〔2026〕1-2号" in hr_sees and "督〔2026〕1-3号" not in hr_sees
    seen = api.ok("GET", f"/instances/{item}", "hr.staff1")
    assert [c["serial"] for c in seen["children"]] == hr_sees[::-1]
    assert seen["rollup"]["parts"] == len(hr_sees) < 3
    assert api.get("/instances", "clerk", params={"parent": 0}).status_code == 422


def test_the_lead_completing_before_the_parts_is_told_which_are_open(api):
    item, task = split_at_handle(api)
    t = api.task("hr.head", item, "handle", holder={"unit": "hr"})
    api.act("hr.head", t["id"], "accept")
    api.act("hr.head", t["id"], "complete", opinion="同意")
    r = api.post(f"/tasks/{task}/actions/complete", "finance.head", json={"report": "已完成"})
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "not_allowed"
    assert "还有 3 项分解事项未办结" in err["message"] and "督〔2026〕1-1号《财务部门安全自查》" in err["message"]
    assert len(err["details"]["open_parts"]) == 3
    english = api.post(f"/tasks/{task}/actions/complete", "finance.head", json={"report": "done"},
                       headers={"Accept-Language": "en"}).json()["error"]["message"]
    assert english.startswith("3 part(s) still open, so this cannot be completed yet")


def test_bad_parts_are_refused_by_field_and_split_stops_three_deep(api):
    item = api.directive_at_handle()
    task = lead_task(api, item)["id"]
    api.act("finance.head", task, "accept")
    r = api.post(f"/tasks/{task}/actions/split", "finance.head", json={"parts": [PARTS[1]] * 51})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "parts"
    r = api.post(f"/tasks/{task}/actions/split", "finance.head",
                 json={"parts": [{"title": "无时限", "lead": "hr"}]})
    assert r.json()["error"]["details"]["field"] == "parts[1].due"
    assert api.ok("GET", f"/instances/{item}", "clerk")["children"] == []

    current, who, unit = item, "finance.head", "finance"
    for depth in (1, 2, 3):
        api.act(who, lead_task(api, current, who, unit)["id"], "split",
                parts=[{"title": f"第 {depth} 层", "lead": "hr", "due": "2026-03-16"}])
        current = api.ok("GET", f"/instances/{current}", "clerk")["children"][0]["id"]
        who, unit = "hr.head", "hr"
        api.act(who, lead_task(api, current, who, unit)["id"], "accept")
    deepest = lead_task(api, current, who, unit)
    assert "split" not in [a["name"] for a in deepest["actions"]]
    r = api.post(f"/tasks/{deepest['id']}/actions/split", "hr.head",
                 json={"parts": [{"title": "第 4 层", "lead": "it", "due": "2026-03-16"}]})
    assert r.status_code == 403
