"""The smaller resources as their users meet them: definitions, my tasks, the inbox and read receipts, the
calendar, the audit trail, drill mode and the OpenAPI page."""
from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.office import Api


def test_definitions_list_and_detail_with_diagram(api):
    defs = {d["id"]: d for d in api.ok("GET", "/definitions", "leader")}
    assert {"directive", "incoming_document"} <= set(defs)
    assert defs["directive"]["may_start"] is True and defs["incoming_document"]["may_start"] is False
    assert defs["directive"]["title"] == {"zh": "领导交办事项", "en": "Leadership directive"}
    assert [f["name"] for f in defs["directive"]["fields"]][:3] == ["title", "instruction", "leader"]
    one = api.ok("GET", "/definitions/directive", "clerk", headers={"Accept-Language": "en"})
    assert one["start"] == "register" and [s["id"] for s in one["steps"]][:3] == ["register", "assign", "handle"]
    assert one["diagram"].startswith("flowchart TD") and "Register" in one["diagram"]
    assert api.get("/definitions/nosuch", "clerk").json()["error"]["code"] == "not_found"


def test_my_tasks_open_overdue_done(api, clock):
    item = api.directive_at_handle()
    open_ = api.ok("GET", "/me/tasks", "finance.head")
    assert [(t["instance_id"], t["step"], t["state"]) for t in open_] == [(item, "handle", "pending")]
    assert open_[0]["actions"] == ["accept", "transfer"]  # the card's primary actions; all of them one click away
    full = api.ok("GET", f"/tasks/{open_[0]['id']}", "finance.head")
    assert [a["name"] for a in full["actions"]] == ["accept", "return", "transfer", "comment"]
    assert api.ok("GET", "/me/tasks", "finance.head", params={"state": "overdue"}) == []
    assert [t["step"] for t in api.ok("GET", "/me/tasks", "clerk", params={"state": "done"})] == ["register"]
    clock.advance(timedelta(days=30))
    api.tokens.clear()
    assert [t["id"] for t in api.ok("GET", "/me/tasks", "finance.head", params={"state": "overdue"})] == [open_[0]["id"]]


def test_the_inbox_unread_first_and_only_ones_own(api):
    item = api.directive_at_handle()
    notes = api.ok("GET", "/notifications", "finance.head")
    assert [n["kind"] for n in notes] == ["task_new"] and notes[0]["read"] is False
    assert "落实安全生产大检查" in notes[0]["title"]
    english = api.ok("GET", "/notifications", "finance.head", headers={"Accept-Language": "en"})
    assert english[0]["title"].startswith("[To do]")
    read = api.ok("POST", f"/notifications/{notes[0]['id']}/read", "finance.head")
    assert read["read"] is True and read["read_at"]
    assert api.post(f"/notifications/{notes[0]['id']}/read", "hr.head").status_code == 404
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("leader", lead["id"], "instruct", text="务必月底前完成")
    inbox = api.ok("GET", "/notifications", "finance.head")
    assert [(n["kind"], n["read"]) for n in inbox] == [("instruction", False), ("task_new", True)]
    assert api.ok("GET", "/notifications", "finance.head", params={"unread": True})[0]["kind"] == "instruction"


def test_reading_a_chase_leaves_a_read_receipt_on_the_item(api):
    item = api.directive_at_handle()
    lead = api.task("clerk", item, "handle", holder={"unit": "finance"})
    api.act("clerk", lead["id"], "chase", message="请于周五前反馈进展")
    chase = [n for n in api.ok("GET", "/notifications", "finance.head") if n["kind"] == "chase_manual"][0]
    api.ok("POST", f"/notifications/{chase['id']}/read", "finance.head")
    api.ok("POST", f"/notifications/{chase['id']}/read", "finance.head")  # reading again records nothing new
    timeline = api.ok("GET", f"/instances/{item}", "clerk")["timeline"]
    receipts = [e for e in timeline if e["kind"] == "read"]
    assert len(receipts) == 1
    assert receipts[0]["actor"] == "finance.head" and receipts[0]["text"].startswith("吴部长已阅催办通知")
    other = [n for n in api.ok("GET", "/notifications", "finance.head") if n["kind"] == "task_new"][0]
    api.ok("POST", f"/notifications/{other['id']}/read", "finance.head")
    assert sum(e["kind"] == "read" for e in api.ok("GET", f"/instances/{item}", "clerk")["timeline"]) == 1


def test_the_calendar_and_an_override_that_moves_a_deadline(api):
    year = api.ok("GET", "/calendar", "it.staff1", params={"year": 2026})
    assert year["year_known"] is True
    days = {d["date"]: d for d in year["days"]}
    assert days["2026-10-01"]["working"] is False and days["2026-10-01"]["source"] == "statutory"
    assert api.ok("GET", "/calendar", "it.staff1")["year"] == 2026  # this year, by the site's clock
    assert api.ok("GET", "/calendar", "it.staff1", params={"year": 2150})["year_known"] is False
    day = api.ok("PUT", "/calendar/2026-03-03", "admin", json={"working": False, "note": "停电检修"})
    assert day == {"date": "2026-03-03", "working": False, "source": "override", "name": None}
    # a task due "in one working day" from Monday is now due on Wednesday
    item = api.start("leader")["id"]
    register = api.task("clerk", item, "register")
    assert register["due_at"].startswith("2026-03-04T10:00")
    assert api.ok("DELETE", "/calendar/2026-03-03", "admin")["source"] == "weekday"
    assert api.request("DELETE", "/calendar/2026-03-03", "admin").status_code == 404
    audit = api.ok("GET", "/audit", "admin", params={"person": "admin"})["events"]
    assert [e["kind"] for e in audit if e["kind"] != "sign_in"] == ["calendar", "calendar"]  # admin's changes


def test_the_audit_trail_filters(api, clock):
    first = api.directive_at_handle()
    clock.advance(timedelta(hours=2))
    second = api.start("clerk")["id"]
    everything = api.ok("GET", "/audit", "admin")
    assert everything["total"] == len(everything["events"]) > 5
    assert {e["instance_id"] for e in api.ok("GET", "/audit", "admin", params={"instance": second})["events"]} == {second}
    assert {e["actor"] for e in api.ok("GET", "/audit", "admin", params={"person": "office"})["events"]} == {"office"}
    later = api.ok("GET", "/audit", "admin", params={"since": "2026-03-02T10:00:00+08:00"})["events"]
    assert {e["instance_id"] for e in later if e["kind"] != "sign_in"} == {second}
    assert api.ok("GET", "/audit", "admin", params={"since": "2026-03-02"})["total"] == everything["total"]
    en = api.ok("GET", "/audit", "admin", params={"instance": first}, headers={"Accept-Language": "en"})
    assert en["events"][0]["text"].startswith("Registered") and en["events"][0]["serial"] == "督〔2026〕1号"


def test_drill_mode_moves_the_clock_and_fires_what_fell_due(api_site, clock):
    drill = Api(TestClient(create_app(api_site, simulated_clock=True)))
    item = drill.directive_at_handle()
    moved = drill.ok("POST", "/admin/clock", "admin", json={"advance": "P16D"})
    assert moved["local_time"] == "2026-03-18 09:30"
    # the reminder, and the Friday progress report's prompt (定期反馈) it passed
    assert {f["kind"] for f in moved["fired"]} - {"report"} == {"remind"} and moved["failed"] == []
    assert {f["instance_id"] for f in moved["fired"]} == {item}
    moved = drill.ok("POST", "/admin/clock", "admin", json={"to": "2026-03-21T09:00:00+08:00"})
    assert moved["local_time"] == "2026-03-21 09:00" and {f["kind"] for f in moved["fired"]} - {"report"} == {"due"}
    assert clock.now() == api_site.clock.now()
    # signed-in sessions keep real time in drill mode: nobody is signed out by a jump of days
    assert drill.get("/me", "finance.head").status_code == 200
    assert [n["kind"] for n in drill.ok("GET", "/notifications", "finance.head", params={"unread": True})
            if n["kind"] != "report"][:2] == ["due", "remind"]  # beside the Friday report's prompt (定期反馈)


def test_the_extension_to_the_end_of_time_is_refused_not_crashed(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    r = api.post(f"/tasks/{lead['id']}/actions/request_extension", "finance.head",
                 json={"new_due": "9999-12-31", "reason": "永远"})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "new_due"


def test_openapi_documents_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/v1/auth/token", "/api/v1/auth/logout", "/api/v1/me", "/api/v1/me/tasks", "/api/v1/definitions",
            "/api/v1/definitions/{key}", "/api/v1/definitions/validate", "/api/v1/instances",
            "/api/v1/instances/{item_id}", "/api/v1/tasks/{task_id}/actions/{action}", "/api/v1/notifications",
            "/api/v1/notifications/{notification_id}/read", "/api/v1/calendar", "/api/v1/calendar/{day}",
            "/api/v1/audit", "/api/v1/admin/clock", "/api/v1/health"} <= paths
    action = spec["paths"]["/api/v1/tasks/{task_id}/actions/{action}"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(action["responses"])
    assert "idempotency-key" in [p["name"] for p in action["parameters"] if p["in"] == "header"]
    assert client.get("/api/v1/docs").status_code == 200
