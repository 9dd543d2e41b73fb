"""Listing items: what each person sees (confidential documents stay with those involved), filters and pages;
and the list's SQL visibility agrees with engine.core.policy.can_see for every person and item."""
from __future__ import annotations

from datetime import timedelta

from engine.store import db, items as item_store
from engine.store.tables import Instance
from engine.core import policy


def _ids(api, who, **params) -> list[int]:
    return [i["id"] for i in api.ok("GET", "/instances", who, params=params)["items"]]


def confidential_at_handle(api) -> int:
    """A confidential incoming document registered by the clerk, proposed to Finance, dispatched."""
    item = api.start("clerk", "incoming_document")["id"]
    api.act("clerk", api.task("clerk", item, "register")["id"], "submit")
    api.act("office", api.task("office", item, "propose")["id"], "assign", lead="finance", due="2026-03-16")
    api.act("leader", api.task("leader", item, "instruct")["id"], "agree", opinion="同意")
    api.act("clerk", api.task("clerk", item, "dispatch")["id"], "transfer", lead="finance")
    return item


def test_a_confidential_document_is_hidden_from_an_uninvolved_unit(api):
    doc = confidential_at_handle(api)
    plain = api.directive_at_handle()
    assert api.get(f"/instances/{doc}", "finance.staff1").status_code == 200  # the handling unit
    for outsider in ("it.staff1", "it.head", "service.staff2"):
        r = api.get(f"/instances/{doc}", outsider)
        assert r.status_code == 404, outsider
        assert r.json()["error"]["code"] == "not_found"
        assert doc not in _ids(api, outsider)
        assert doc not in _ids(api, outsider, q="人事调整")
    # the same answer as for an item that does not exist: nothing is revealed
    missing = api.get("/instances/424242", "it.staff1").json()
    assert api.get(f"/instances/{doc}", "it.staff1").json()["error"]["message"] == missing["error"]["message"]
    # the handling unit's task cannot be reached by guessing its id either
    lead = api.task("finance.head", doc, "handle")
    assert api.post(f"/tasks/{lead['id']}/actions/comment", "it.staff1", json={"text": "?"}).status_code == 404
    assert doc in _ids(api, "finance.staff1") and plain in _ids(api, "clerk")
    assert api.ok("GET", f"/instances/{doc}", "finance.head")["confidential"] is True


def test_a_confidential_document_is_hidden_even_from_supervisors_who_are_not_involved(api):
    doc = api.start("clerk", "incoming_document")["id"]
    assert api.get(f"/instances/{doc}", "admin").status_code == 404
    assert doc not in _ids(api, "admin")
    assert doc in _ids(api, "clerk")


def test_filters_and_pages(api, clock):
    first = api.directive_at_handle(title="预算执行情况检查")
    second = api.directive_at_handle(title="客服热线升级", lead_unit="service", co_units=[])
    doc = api.start("clerk", "incoming_document", confidential=False, title="关于报送季度总结的通知")["id"]
    assert _ids(api, "clerk") == [doc, second, first]
    assert _ids(api, "clerk", definition="incoming_document") == [doc]
    assert _ids(api, "clerk", unit="service") == [second]
    assert _ids(api, "clerk", unit="hr") == [first]  # co-handling counts
    assert _ids(api, "clerk", q="热线") == [second]
    assert _ids(api, "clerk", q="督〔2026〕1号") == [first]
    assert _ids(api, "clerk", q="%") == []
    assert _ids(api, "clerk", state="completed") == []
    assert _ids(api, "clerk", overdue=True) == []
    clock.advance(timedelta(days=30))
    api.tokens.clear()  # a month later everyone signs in again (tokens last 12 hours)
    assert set(_ids(api, "clerk", overdue=True)) == {first, second, doc}
    page = api.ok("GET", "/instances", "clerk", params={"page": 2})
    assert page["items"] == [] and page["total"] == 3 and page["page_size"] == 50
    assert _ids(api, "service.staff1") == [second]
    assert _ids(api, "it.staff1") == []


def test_pages_hold_fifty(api, api_site):
    for n in range(55):
        api_site.start("directive", {"title": f"事项{n}", "instruction": "x"}, "leader")
    p1 = api.ok("GET", "/instances", "leader")
    p2 = api.ok("GET", "/instances", "leader", params={"page": 2})
    assert (len(p1["items"]), len(p2["items"]), p1["total"]) == (50, 5, 55)
    assert p1["items"][0]["title"] == "事项54" and p2["items"][-1]["title"] == "事项0"


def test_list_visibility_agrees_with_can_see_for_everyone(api, api_site):
    items = [api.directive_at_handle(), confidential_at_handle(api), api.start("clerk", "incoming_document")["id"],
             api.directive_at_handle(lead_unit="it", co_units=["service"])]
    lead = api.task("it.head", items[3], "handle", holder={"unit": "it"})
    api.act("it.head", lead["id"], "transfer", to="hr.staff2", reason="人事信息相关")
    with db.read(api_site.eng) as conn:
        snaps = {i: item_store.load_item(conn=conn, item_id=i, definition_of=api_site.definition) for i in items}
        secret = {r.id: r.confidential for r in conn.execute(Instance.__table__.select())}
    for login in api_site.org.people:
        actor = api_site.actor(login)
        expected = sorted(i for i in items if policy.can_see(api_site.org, actor, snaps[i], secret[i]))
        assert sorted(_ids(api, login)) == expected, login


def _follow(api, who: str, path: str, **params) -> tuple[list, list[int]]:
    """Every page of a paged list, following rel="next" links: (the entries, the X-Total-Count of each page)."""
    r = api.get(path, who, params=params)
    seen, totals = [], []
    while True:
        assert r.status_code == 200, r.text
        body = r.json()
        seen += body if isinstance(body, list) else body["items"]
        nxt = r.links.get("next")
        if "X-Total-Count" in r.headers or nxt is None:  # 我的待办 counts only on its last page
            totals.append(int(r.headers["X-Total-Count"]))
        if nxt is None:
            return seen, totals
        assert nxt["url"].startswith("/api/v1/")
        r = api.client.get(nxt["url"], headers=api.headers(who))


def test_my_tasks_page_through_everything(api, api_site):
    for n in range(205):
        api_site.start("directive", {"title": f"事项{n}", "instruction": "x"}, "leader")
    first = api.get("/me/tasks", "clerk")
    assert isinstance(first.json(), list) and len(first.json()) == 50  # the body is a list; 50 a page unless asked
    # the queue is read a page at a time: "50+" (a next link, no count) until the last page, which gives the total
    assert "X-Total-Count" not in first.headers
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    tasks, totals = _follow(api, "clerk", "/me/tasks", per_page=60)
    assert len(tasks) == 205 and len({t["id"] for t in tasks}) == 205 and totals == [205]
    last = api.get("/me/tasks", "clerk", params={"page": 4, "per_page": 60})
    assert len(last.json()) == 25 and 'rel="next"' not in last.headers["Link"]
    assert last.headers["X-Total-Count"] == "205"
    assert 'rel="prev"' in last.headers["Link"] and 'rel="first"' in last.headers["Link"]
    assert api.get("/me/tasks", "clerk", params={"page": 9, "per_page": 60}).json() == []
    for bad in ({"per_page": 201}, {"per_page": 0}, {"page": 0}):
        assert api.get("/me/tasks", "clerk", params=bad).status_code == 422, bad
    overdue = api.get("/me/tasks", "clerk", params={"state": "overdue", "per_page": 5})
    assert overdue.json() == [] and overdue.headers["X-Total-Count"] == "0"


def test_items_page_with_per_page_and_links_keeping_the_filters(api, api_site):
    for n in range(7):
        api_site.start("directive", {"title": f"事项{n}", "instruction": "x"}, "leader")
    r = api.get("/instances", "leader", params={"per_page": 3, "definition": "directive"})
    body = r.json()
    assert (len(body["items"]), body["total"], body["page_size"]) == (3, 7, 3)
    assert r.headers["X-Total-Count"] == "7" and "definition=directive" in r.links["next"]["url"]
    items, totals = _follow(api, "leader", "/instances", per_page=3, definition="directive")
    assert [i["title"] for i in items] == [f"事项{n}" for n in range(6, -1, -1)] and totals == [7, 7, 7]
    assert api.get("/instances", "leader", params={"per_page": 201}).status_code == 422


def test_paging_is_documented(api):
    doc = api.ok("GET", "/openapi.json")
    for path in ("/api/v1/me/tasks", "/api/v1/instances"):
        op = doc["paths"][path]["get"]
        assert {"X-Total-Count", "Link"} <= set(op["responses"]["200"]["headers"]), path
        params = {p["name"]: p for p in op["parameters"]}
        assert params["per_page"]["schema"]["maximum"] == 200 and "page" in params
