"""Sizes are bounded wherever input arrives: a directive's title over 200 characters, an instruction or a comment
over 20,000, a list of units over 200 entries answer 422 naming the field, on the API and on the pages alike;
the OpenAPI document and the task's action fields state the bounds."""
from __future__ import annotations

import re

from engine.core import limits
from tests.support.office import DIRECTIVE


def refused_naming(r, field: str) -> None:
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and err["details"]["fields"] == [field]


def test_a_directive_with_an_overlong_title_or_instruction_is_refused(api):
    new = {"definition": "directive"}
    refused_naming(api.post("/instances", "leader", json={**new, "subject": {**DIRECTIVE, "title": "题" * 201}}),
                   "title")
    r = api.post("/instances", "leader", json={**new, "subject": {**DIRECTIVE, "instruction": "字" * 20_001}},
                 headers={"Accept-Language": "en"})
    refused_naming(r, "instruction")
    assert "at most 20000 characters" in r.json()["error"]["message"]
    many = [f"u{n}" for n in range(201)]
    refused_naming(api.post("/instances", "leader", json={**new, "subject": {**DIRECTIVE, "co_units": many}}),
                   "co_units")
    ok = api.post("/instances", "leader", json={**new, "subject": {**DIRECTIVE, "title": "题" * 200,
                                                                   "instruction": "字" * 20_000}})
    assert ok.status_code == 201, ok.text


def test_an_overlong_comment_is_refused_and_the_task_says_how_long_one_may_be(api):
    item = api.start("leader")["id"]
    task = api.task("clerk", item, "register")
    comment = next(a for a in task["actions"] if a["name"] == "comment")
    assert comment["fields"][0]["max_length"] == limits.MAX_TEXT
    r = api.post(f"/tasks/{task['id']}/actions/comment", "clerk", json={"text": "评" * 20_001})
    refused_naming(r, "text")
    assert api.post(f"/tasks/{task['id']}/actions/comment", "clerk", json={"text": "评" * 20_000}).status_code == 200


def test_a_number_field_shows_its_range(api):
    item = api.directive_at_handle()
    task = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", task["id"], "accept")
    task = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    progress = next(a for a in task["actions"] if a["name"] == "progress")
    percent = next(f for f in progress["fields"] if f["name"] == "percent")
    assert (percent["min"], percent["max"]) == (0, 100)


def test_the_openapi_document_states_the_bounds(api):
    doc = api.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    subject = schemas["ItemCreate"]["properties"]["subject"]
    assert subject["maxProperties"] == 200
    texts = [s for s in subject["additionalProperties"]["anyOf"] if s.get("type") == "string"]
    lists = [s for s in subject["additionalProperties"]["anyOf"] if s.get("type") == "array"]
    assert texts[0]["maxLength"] == 20_000 and lists[0]["maxItems"] == 200
    assert "200 characters" in subject["additionalProperties"]["description"]
    assert schemas["ActionInput"]["additionalProperties"]["anyOf"][0]["maxLength"] == 20_000
    assert {"min", "max", "max_length", "max_items"} <= set(schemas["ActionFieldPublic"]["properties"])
    title = next(f for f in api.ok("GET", "/definitions/directive", "leader")["fields"] if f["name"] == "title")
    assert title["max_length"] == 200


def test_the_new_item_page_holds_the_same_bounds(client, api):
    from tests.support.office import PASSWORD

    page = client.get("/login")
    csrf = re.search(r'name="login_csrf" value="([^"]+)"', page.text) or re.search(r'name="csrf" value="([^"]+)"',
                                                                                    page.text)
    client.post("/login", data={"username": "leader", "password": PASSWORD, "csrf": csrf.group(1) if csrf else ""})
    form = client.get("/new/directive")
    assert form.status_code == 200, form.text[:300]
    assert re.search(r'name="title" value="" maxlength="200"', form.text)
    assert re.search(r'name="instruction" rows="3" maxlength="20000"', form.text)
