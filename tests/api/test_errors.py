"""One error shape everywhere, Chinese by default and English on request; and no input reaches a 500
(the in-process client re-raises any unexpected server error, so a 500 would fail these tests loudly)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app


def shape(r) -> dict:
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def test_domain_errors_in_chinese_by_default_and_english_on_request(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    zh = shape(api.post(f"/tasks/{lead['id']}/actions/accept", "it.head", json={}))
    assert zh == {"code": "not_found", "message": "没有这个任务（no such task）", "details": {"task": lead["id"]}}
    en = shape(api.post(f"/tasks/{lead['id']}/actions/complete", "finance.head", json={"report": "x"},
                        headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert en["code"] == "not_allowed" and en["message"] == "sign for the task first"
    r = api.post(f"/tasks/{lead['id']}/actions/complete", "finance.head", json={"report": "x"},
                 headers={"Accept-Language": "zh-CN"})
    assert shape(r)["message"].startswith("请先签收")


def test_bad_input_is_422_naming_the_field(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    r = api.post(f"/tasks/{lead['id']}/actions/request_extension", "finance.head",
                 json={"new_due": "2026-02-30", "reason": "x"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422
    err = shape(r)
    assert err["code"] == "invalid_input" and err["details"]["fields"] == ["new_due"]
    assert err["message"] == "new_due: a date is written YYYY-MM-DD"
    r = api.post("/instances", "leader", json={"definition": "directive", "subject": {"title": "x"}})
    assert r.status_code == 422 and shape(r)["details"]["fields"] == ["instruction"]
    r = api.post("/instances", "leader", json={"definition": "directive"})
    err = shape(r)
    assert r.status_code == 422 and err["details"]["fields"] == ["subject"] and "subject" in err["message"]
    r = api.get("/me/tasks", "leader", params={"state": "later"}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and shape(r)["message"] == "the request is not valid: state"


def test_stale_version_is_409(api):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept", version=lead["version"])
    r = api.post(f"/tasks/{lead['id']}/actions/progress", "finance.head",
                 json={"version": lead["version"], "text": "进展"})
    assert r.status_code == 409 and shape(r)["code"] == "conflict"
    assert r.json()["error"]["details"]["version"] == lead["version"] + 1


def test_unknown_routes_and_methods_keep_the_shape(api):
    assert shape(api.get("/nowhere", "clerk"))["code"] == "not_found"
    r = api.request("DELETE", "/me", "clerk")
    assert r.status_code == 405 and shape(r)["code"] == "method_not_allowed"


def test_an_unexpected_error_is_a_logged_500_in_the_same_shape(api_site, caplog):
    app = create_app(api_site)

    def boom():
        raise RuntimeError("disk on fire")

    app.add_api_route("/api/v1/boom", boom)
    r = TestClient(app, raise_server_exceptions=False).get("/api/v1/boom", headers={"Accept-Language": "en"})
    assert r.status_code == 500
    assert shape(r) == {"code": "internal", "message": "internal error; it has been logged, try again later",
                        "details": {}}
    assert "disk on fire" in caplog.text


JUNK_SUBJECTS = [
    {"title": 10 ** 40, "instruction": "x"}, {"title": ["a"], "instruction": "x"}, {"title": "a\nb", "instruction": "x"},
    {"title": "t", "instruction": "x", "due": "2026-02-30"}, {"title": "t", "instruction": "x", "due": "99999-01-01"},
{"title": "t", "instruction": "x", "co_units": [1, 2]},
    {"title": "t", "instruction": "x", "lead_unit": "nosuch"}, {"title": "t", "instruction": "x", "leader": "ghost"},
    {"title": "t", "instruction": "x", "priority": "yesterday"}, {"title": "t", "instruction": "x", "colour": "red"},
    {"title": "t\x00", "instruction": "x"}, {"title": "t", "instruction": {"deep": [[[[{"x": None}]]]]}},
    {"title": "t", "instruction": "x", "co_units": "hr,hr"}, {"title": "t", "instruction": "x", "due": True},
]
JUNK_BODIES = [b"not json", b"[]", b'"text"', b"{", b"null", b'{"definition": 5, "subject": {}}',
               b'{"definition": "directive", "subject": []}', b'{"definition": "nosuch", "subject": {}}',
               b'{"definition": "' + b"x" * 1000 + b'", "subject": {}}', b"\xff\xfe", b"[" * 5000 + b"]" * 5000]


@pytest.mark.parametrize("subject", JUNK_SUBJECTS)
def test_junk_subjects_are_4xx(api, subject):
    r = api.post("/instances", "leader", json={"definition": "directive", "subject": subject})
    assert r.status_code == 422, r.text
    assert shape(r)["details"]["fields"]


@pytest.mark.parametrize("raw", JUNK_BODIES)
def test_junk_bodies_are_4xx(api, raw):
    r = api.post("/instances", "leader", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    shape(r)


ACTION_JUNK = [
    ("accept", b"[]"), ("accept", b'"x"'), ("accept", b'{"version": "x"}'), ("accept", b'{"version": 1e400}'),
    ("accept", b'{"version": 100000000000000000000000000000}'), ("accept", b'{"version": -1}'),
    ("progress", b'{"text": "t", "percent": "abc"}'), ("progress", b'{"text": "t", "percent": 1e308}'),
    ("progress", b'{"text": "t", "percent": NaN}'), ("progress", b'{"text": "t", "percent": -Infinity}'),
    ("progress", b'{"text": ["t"]}'), ("progress", b'{"text": ""}'), ("progress", b'{"text": "\\u0000"}'),
    ("request_extension", b'{"new_due": "0001-01-01", "reason": "r"}'),
    ("request_extension", b'{"new_due": "2026-13-01", "reason": "r"}'),
    ("request_extension", b'{"new_due": "2026-04-01T09:00", "reason": "r"}'),
    ("transfer", b'{"to": 123, "reason": "r"}'), ("transfer", b'{"to": "nosuch", "reason": "r"}'),
    ("transfer", b'{"to": "finance", "reason": "r"}'), ("add_cohandler", b'{"unit": ["hr"]}'),
    ("add_cohandler", b'{"unit": "hr"}'), ("remove_cohandler", b'{"unit": "nosuch"}'),
    ("complete", b'{"report": null}'), ("frobnicate", b"{}"), ("assign", b'{"lead": "hr", "due": "x"}'),
]


@pytest.mark.parametrize("action,raw", ACTION_JUNK, ids=[f"{a}:{r[:30]!r}" for a, r in ACTION_JUNK])
def test_junk_actions_are_4xx(api, action, raw):
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    r = api.post(f"/tasks/{lead['id']}/actions/{action}", "finance.head", content=raw,
                 headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    shape(r)


def test_junk_dates_for_the_assign_step_are_4xx(api):
    item = api.start("leader")["id"]
    api.act("clerk", api.task("clerk", item, "register")["id"], "submit")
    assign = api.task("office", item, "assign")["id"]
    for due in ("9999-12-31", "0001-01-01", "2026-02-29", "tomorrow", "", None, 5, ["2026-04-01"]):
        r = api.post(f"/tasks/{assign}/actions/assign", "office", json={"lead": "finance", "due": due})
        assert 400 <= r.status_code < 500, (due, r.text)
        shape(r)
    for co in ([1], "finance", ["finance", "finance"], ["nosuch"], {"a": 1}):
        r = api.post(f"/tasks/{assign}/actions/assign", "office", json={"lead": "finance", "co": co, "due": "2026-04-01"})
        assert 400 <= r.status_code < 500, (co, r.text)


URL_JUNK = [
    ("GET", "/instances/0"), ("GET", "/instances/-1"), ("GET", "/instances/abc"),
    ("GET", "/instances/100000000000000000000000000000"), ("GET", "/instances/2147483648"),
    ("GET", "/instances?page=0"), ("GET", "/instances?page=100000000000000000000"), ("GET", "/instances?overdue=maybe"),
    ("GET", "/instances?state=lost"), ("GET", "/instances?q=" + "x" * 300), ("GET", "/instances?q=%00"),
    ("POST", "/tasks/0/actions/accept"), ("POST", "/tasks/99999999999999999999/actions/accept"),
    ("POST", "/tasks/1/actions/BAD!"), ("POST", "/tasks/1/actions/" + "a" * 100), ("POST", "/tasks/424242/actions/accept"),
    ("GET", "/me/tasks?state=x"), ("GET", "/calendar?year=0"), ("GET", "/calendar?year=99999"), ("GET", "/calendar?year=x"),
    ("DELETE", "/calendar/2026-01-05"), ("DELETE", "/calendar/2026-02-30"), ("DELETE", "/calendar/yesterday"),
    ("GET", "/audit?since=garbage"), ("GET", "/audit?since=0001-01-01"), ("GET", "/audit?since=9999-12-31T23:59:59%2B14:00"),
    ("GET", "/audit?instance=-5"), ("GET", "/audit?page=0"), ("GET", "/audit?instance=99999999999"),
    ("POST", "/notifications/0/read"), ("POST", "/notifications/99999/read"), ("POST", "/notifications/x/read"),
    ("GET", "/definitions/nosuch"), ("GET", "/definitions/" + "x" * 500),
]


@pytest.mark.parametrize("method,path", URL_JUNK)
def test_junk_urls_are_4xx(api, method, path):
    r = api.request(method, path, "admin")
    assert 400 <= r.status_code < 500, r.text
    shape(r)


@pytest.mark.parametrize("body", [{"working": "yes"}, {"working": 1}, {"working": True, "note": 5},
                                  {"working": True, "note": "x" * 1000}, {}, [], None])
def test_junk_calendar_writes_are_422(api, body):
    r = api.request("PUT", "/calendar/2026-10-10", "admin", json=body)
    assert r.status_code == 422, r.text
    shape(r)


@pytest.mark.parametrize("raw,ctype", [
    (b"\xff\xfe\x00", "text/plain"), (b'{"nope": 1}', "application/json"), (b"[1]", "application/json"),
    (b"{", "application/json"), (b"", "text/plain"), (b"- - -\n\t- x", "text/plain"), (b"a: &a [*a, *a]", "text/plain"),
    (b"a: &a {k: *a}", "text/plain"),
    (b"a: &a [1,1,1,1,1,1,1,1,1]\n" + b"".join(b"%c: &%c [" % (c, c) + b",".join([b"*%c" % (c - 1)] * 9) + b"]\n"
                                                 for c in range(ord("b"), ord("k"))), "text/plain"),
    (b"a: &a [1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n"
     b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d]", "text/plain"),
    (b"!!python/object/apply:os.system ['echo hi']", "text/plain"), (b"id: 5\nsteps: 7", "application/x-yaml"),
    (b"x" * 1_000_001, "text/plain"),
])
def test_junk_definitions_are_answered(api, raw, ctype):
    r = api.post("/definitions/validate", "office", content=raw, headers={"Content-Type": ctype})
    if r.status_code == 200:
        assert r.json()["ok"] is False and r.json()["problems"]
    else:
        assert r.status_code == 422
        shape(r)


def test_a_valid_definition_validates(api):
    from engine.parser.loader import definitions_dir

    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8")
    r = api.post("/definitions/validate", "office", content=text.encode(), headers={"Content-Type": "text/plain"})
    assert r.json() == {"ok": True, "problems": [], "definition": "directive", "version": r.json()["version"]}
    broken = text.replace("next: verify", "next: nowhere")
    r = api.post("/definitions/validate", "office", json={"yaml": broken})
    assert r.json()["ok"] is False
    assert any(p.startswith("definition.yaml:") and "nowhere" in p for p in r.json()["problems"])


def test_junk_clock_moves_in_drill_mode_are_422(api_site):
    from tests.support.office import Api

    drill = Api(TestClient(create_app(api_site, simulated_clock=True)))
    for body in ({}, {"advance": "P"}, {"advance": "3 days"}, {"advance": "P99999D"}, {"advance": "-P1D"},
                 {"to": "2026-01-01T00:00:00"}, {"to": "garbage"}, {"to": "2020-01-01T00:00:00+08:00"},
                 {"advance": "P1D", "to": "2026-04-01T09:00:00+08:00"}, {"to": "9999-12-31T23:59:59+14:00"},
                 {"advance": "PT"}, {"advance": 3}, {"when": "now"}):
        r = drill.post("/admin/clock", "admin", json=body)
        assert r.status_code == 422, (body, r.text)
        shape(r)


# ------------------------------------------------------------------ ids beyond the store's integers, text it cannot hold
HUGE = ("9223372036854775808", "2147483648", "99999999999999999999999")
PAGE_GETS = ["/items/{n}", "/tasks/{n}", "/appraisal/{n}", "/appraisal/{n}/calibration", "/appraisal/{n}/people/hr.staff1"]
PAGE_POSTS = ["/tasks/{n}/act/accept", "/notifications/{n}/read"]


@pytest.fixture
def page_app(api_site):
    return create_app(api_site)


def page_client(app, login: str):
    from tests.web.conftest import PageClient

    return PageClient(app, login)


@pytest.fixture
def pages(page_app):
    return page_client(page_app, "admin")


@pytest.mark.parametrize("n", HUGE)
def test_page_urls_with_ids_beyond_the_store_are_404(pages, n):
    for path in PAGE_GETS:
        r = pages.get(path.format(n=n))
        assert r.status_code == 404, (path, r.status_code)
        assert "<html" in r.text.lower()
    for path in PAGE_POSTS:
        r = pages.post(path.format(n=n))
        assert r.status_code == 404, (path, r.status_code)


@pytest.mark.parametrize("back", ["item:9223372036854775808", "appraisal:9223372036854775808",
                                  "appraisal:2147483648:calibration"])
def test_a_refused_form_with_a_huge_back_place_shows_a_page(pages, back):
    r = pages.post("/tasks/424242/act/accept", {"back": back})
    assert r.status_code == 404 and "<html" in r.text.lower()


@pytest.mark.parametrize("n", HUGE)
def test_api_ids_beyond_the_store_are_404_or_422(api, n):
    for method, path in (("GET", "/instances/{n}"), ("POST", "/tasks/{n}/actions/accept"),
                         ("POST", "/notifications/{n}/read"), ("GET", "/appraisal/cycles/{n}")):
        r = api.request(method, path.format(n=n), "admin", json={})
        assert r.status_code in (404, 422), (path, r.text)
        shape(r)


def test_a_lone_surrogate_is_422_naming_the_field_and_changes_nothing(api):
    before = api.ok("GET", "/instances", "leader")["total"]
    raw = b'{"definition": "directive", "subject": {"title": "\\ud800", "instruction": "x"}}'
    r = api.post("/instances", "leader", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and shape(r)["details"]["fields"] == ["subject.title"]
    raw = b'{"definition": "directive", "subject": {"title": "t", "instruction": "x", "co_units": ["hr", "\\udfff"]}}'
    r = api.post("/instances", "leader", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and shape(r)["details"]["fields"] == ["subject.co_units.1"]
    assert api.ok("GET", "/instances", "leader")["total"] == before
    item = api.directive_at_handle()
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    r = api.post(f"/tasks/{lead['id']}/actions/progress", "finance.head", content=b'{"text": "a\\udc00b"}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and shape(r)["details"]["fields"] == ["text"]
    assert not api.ok("GET", f"/instances/{item}", "finance.head")["entries"]
    r = api.request("PUT", "/calendar/2026-10-10", "admin", content=b'{"working": true, "note": "\\ud83d"}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and shape(r)["details"]["fields"] == ["note"]
    ok = api.post("/instances", "leader", json={"definition": "directive",
                                                "subject": {"title": "表情 \U0001F600 可以", "instruction": "x"}})
    assert ok.status_code == 201  # a proper pair (an emoji) is text like any other


@pytest.mark.parametrize("raw", [b'{"definition": "directive", ', b"{'a': 1}", b"\xff\xfe{}", b"{,}"])
def test_a_malformed_json_body_is_400_as_documented(api, raw):
    r = api.post("/instances", "leader", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    err = shape(r)
    assert err["code"] == "malformed_body" and err["details"]["fields"] == ["body"]
    assert "JSON" in err["message"]


def test_the_openapi_document_names_400_and_422_for_json_bodies(api):
    doc = api.ok("GET", "/openapi.json")
    for path, method in (("/api/v1/instances", "post"), ("/api/v1/tasks/{task_id}/actions/{action}", "post"),
                         ("/api/v1/calendar/{day}", "put")):
        responses = doc["paths"][path][method]["responses"]
        assert "malformed_body" in responses["400"]["description"], path
        assert "422" in responses


@pytest.mark.parametrize("raw", [b"[" * 5000 + b"]" * 5000, b'{"a": ' * 900 + b'"\\ud800"' + b"}" * 900, b"{"])
def test_json_bodies_on_routes_without_a_body_never_give_500(api, raw):
    r = api.post("/notifications/1/read", "admin", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    shape(r)


def test_a_bulk_chase_of_ids_beyond_the_store_changes_nothing(page_app):
    leader = page_client(page_app, "leader")  # a supervisor
    r = leader.post("/board/chase", {"task": ["9223372036854775808", "2147483648"], "message": "请尽快办理"},
                    from_page="/board")
    assert r.status_code in (200, 422) and "<html" in r.text.lower()


def test_the_drill_clock_stays_within_the_dates_the_engine_takes(api_site):
    from datetime import timedelta

    from tests.api.conftest import Api

    drill = Api(TestClient(create_app(api_site, simulated_clock=True)))
    api_site.clock.advance(timedelta(days=365 * 70))  # late in 2095
    r = drill.post("/admin/clock", "admin", json={"advance": "P3650D"})  # ten years on: past 2100
    assert r.status_code == 422, r.text
    assert shape(r)["details"]["fields"] == ["advance"]
    assert drill.post("/admin/clock", "admin", json={"advance": "P30D"}).status_code == 200
