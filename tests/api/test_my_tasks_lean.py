"""我的待办 as a unit head and a clerk meet it over HTTP: lean cards (what the card shows, the one or two primary
actions by name) with the full task one click away, the old shape on `?view=full`, and the 已办 tab paged by a
cursor, newest closed first, each closed task exactly once."""
from __future__ import annotations

from datetime import timedelta

CARD = {"id", "version", "instance_id", "serial", "title", "step_title", "holder_name", "due_at", "working_days_left",
        "light", "card", "state", "level", "actions", "links"}


def test_a_card_is_lean_and_its_full_task_is_one_click_away(api):
    item = api.directive_at_handle()
    [row] = api.ok("GET", "/me/tasks", "finance.head")
    assert CARD <= set(row) and "data" not in row and "proposal" not in row
    assert (row["instance_id"], row["step_title"], row["holder_name"], row["state"]) == (item, "承办", "财务部", "pending")
    assert row["actions"] == ["accept", "transfer"] and row["more_actions"] == 2  # 签收 first; return, comment inside
    assert row["light"]["light"] == "green" and row["level"] == "normal"
    full = api.ok("GET", row["links"]["self"].removeprefix("/api/v1"), "finance.head")
    assert [a["name"] for a in full["actions"]] == ["accept", "return", "transfer", "comment"]
    assert all("fields" in a for a in full["actions"]) and full["light"] == row["light"]
    [old] = api.ok("GET", "/me/tasks", "finance.head", params={"view": "full"})
    assert old["actions"] == full["actions"] and old["id"] == row["id"]
    lean = api.get("/me/tasks", "finance.head")
    assert len(lean.content) * 2 < len(api.get("/me/tasks", "finance.head", params={"view": "full"}).content)
    assert lean.headers["X-Total-Count"] == "1"
    # a unit with no part in it sees nothing: a hidden task answers as one that does not exist
    hidden = api.get(f"/tasks/{row['id']}", "it.staff1")
    nothing = api.get("/tasks/999999", "it.staff1")
    assert hidden.status_code == nothing.status_code == 404
    assert hidden.json()["error"]["message"] == nothing.json()["error"]["message"]
    assert api.get("/me/tasks", "finance.head", params={"view": "everything"}).status_code == 422


def test_the_done_tab_pages_by_cursor_newest_closed_first(api, clock):
    registered = []
    for n in range(7):  # the clerk registers one directive an hour
        item = api.start("leader", title=f"登记{n}")["id"]
        api.act("clerk", api.task("clerk", item, "register")["id"], "submit")
        registered.append(item)
        clock.advance(timedelta(hours=1))
    api.tokens.clear()
    seen, r = [], api.get("/me/tasks", "clerk", params={"state": "done", "per_page": 3})
    while True:
        assert r.status_code == 200, r.text
        assert "X-Total-Count" not in r.headers and 'rel="first"' in r.headers["Link"]
        seen += r.json()
        nxt = r.links.get("next")
        if nxt is None:
            break
        assert "cursor=" in nxt["url"] and nxt["url"].startswith("/api/v1/me/tasks?")
        r = api.client.get(nxt["url"], headers=api.headers("clerk"))
    assert [t["instance_id"] for t in seen] == registered[::-1]  # newest closed first, each once
    assert [t["closed_at"] for t in seen] == sorted((t["closed_at"] for t in seen), reverse=True)
    assert all(t["state"] == "done" and t["actions"] == [] or t["actions"] == ["recall"] for t in seen)
    old = api.ok("GET", "/me/tasks", "clerk", params={"state": "done", "view": "full", "per_page": 200})
    assert {t["id"] for t in old} == {t["id"] for t in seen}  # the same tasks as the old listing
    for bad in ("x", "2026-01-01T00:00:00~", "2026-01-01T00:00:00~5", "~x", "~" + "9" * 13):
        r = api.get("/me/tasks", "clerk", params={"state": "done", "cursor": bad})
        assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["cursor"], bad


def test_the_lean_shape_is_documented(api):
    doc = api.ok("GET", "/openapi.json")
    op = doc["paths"]["/api/v1/me/tasks"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["items"]["$ref"].endswith("/TaskRow")
    assert {"view", "cursor", "page", "per_page"} <= {p["name"] for p in op["parameters"]}
    assert doc["paths"]["/api/v1/tasks/{task_id}"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["$ref"].endswith("/TaskPublic")


def test_the_open_page_brings_the_overdue_count_with_it(api, api_site, clock):
    """The open tab's one pass over the queue also counts the overdue tab (the page's second tab label)."""
    from engine.reads import items as queries, lists as listing
    early = api.directive_at_handle(title="早到期", due="2026-03-04")
    api.directive_at_handle(title="晚到期", due="2026-06-30")
    clock.advance(timedelta(days=10))
    page = listing.task_rows(api_site, login="finance.head", state="open", limit=1)
    assert (page.total, page.overdue) == (2, 1) == (queries.count_my_tasks(api_site, "finance.head", "open"),
                                                      queries.count_my_tasks(api_site, "finance.head", "overdue"))
    [late] = listing.task_rows(api_site, login="finance.head", state="overdue", limit=50).rows
    assert late["instance_id"] == early and late["overdue"] is True and late["working_days_left"] < 0
