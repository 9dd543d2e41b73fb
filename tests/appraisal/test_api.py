"""The appraisal over HTTP: start a cycle for a period (once: a second start is 409 with the existing cycle), list
cycles, rate and calibrate and appeal through the ordinary task actions, read results as each person may."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from engine.runtime.boot import demo_org_path, load_org_file

from tests.support.office import CHEAP_HASH, Api
from tests.support.clock import at


@pytest.fixture
def api(site, clock):
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    clock.set(at("2026-04-01 10:00"))
    return Api(TestClient(create_app(site)))


def open_tasks(api, who, item, step, purpose=None):
    v = api.ok("GET", f"/instances/{item}", who)
    return [t for t in v["tasks"] if t["step"] == step and t["state"] in ("pending", "active")
            and t["data"].get("purpose") == purpose]


def rate_all(api, item, step, value=4):
    for t in open_tasks(api, "office", item, step):
        who = t["holder"]["person"]
        data = {f["name"]: value for f in t["data"]["fields"]}
        if step == "self_assess":
            data["summary"] = "本季度工作小结"
        api.act(who, t["id"], "submit", **data)


def test_start_a_cycle_once_and_list_it(api):
    assert api.ok("GET", "/appraisal/cycles", "hr.staff1") == []
    r = api.post("/appraisal/cycles", "hr.staff1", json={"period": "2026Q1"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
    r = api.post("/appraisal/cycles", "office", json={"period": "2026 first quarter"})
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["period"]
    r = api.post("/appraisal/cycles", "office", json={"period": "2026q1"})
    assert r.status_code == 201, r.text
    cycle = r.json()
    assert r.headers["Location"] == f"/api/v1/appraisal/cycles/{cycle['id']}"
    assert (cycle["period"], cycle["state"], cycle["current_step"], cycle["people"]) == (
        "2026Q1", "open", "self_assess", 16)
    assert cycle["serial"] == "考〔2026〕1号" and cycle["units"] == ["finance", "hr", "it", "office", "service"]
    assert len(cycle["schemes"]["finance_assistant"]["fingerprint"]) == 16
    again = api.post("/appraisal/cycles", "admin", json={"period": "2026Q1"})
    assert again.status_code == 409 and again.json()["error"]["details"] == {"cycle": cycle["id"], "period": "2026Q1"}
    assert [c["id"] for c in api.ok("GET", "/appraisal/cycles", "hr.staff1")] == [cycle["id"]]
    assert api.get("/appraisal/cycles/999", "office").status_code == 404
    assert api.get("/appraisal/cycles", None).status_code == 401


def test_rate_calibrate_publish_and_appeal_over_http(api):
    cycle = api.ok("POST", "/appraisal/cycles", "office", 201, json={"period": "2026Q1"})
    cid, item = cycle["id"], cycle["instance_id"]

    # a self-assessment lists its fields (one rating per dimension of the person's scheme), checked on submit
    mine = open_tasks(api, "finance.staff1", item, "self_assess")
    task = next(t for t in mine if t["holder"] == {"person": "finance.staff1"})
    fields = {f["name"]: f for f in next(a for a in task["actions"] if a["name"] == "submit")["fields"]}
    assert fields["teamwork"]["type"] == "number" and fields["summary"]["required"]
    bad = api.post(f"/tasks/{task['id']}/actions/submit", "finance.staff1",
                   json={**{k: 4 for k in fields if k != "summary"}, "teamwork": 6, "summary": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["fields"] == ["teamwork"]
    head = api.post(f"/tasks/{task['id']}/actions/submit", "finance.head", json={"summary": "代填"})
    assert head.status_code == 403  # a self-assessment is personal: the unit head cannot submit it
    rate_all(api, item, "self_assess")
    rate_all(api, item, "supervisor_rating", 5)
    assert api.ok("GET", f"/appraisal/cycles/{cid}", "office")["current_step"] == "calibrate"  # no peers yet

    # before publication only calibrators see results
    assert api.ok("GET", f"/appraisal/cycles/{cid}/results", "finance.staff1")["results"] == []
    assert api.get(f"/appraisal/cycles/{cid}/results/finance.staff1", "finance.staff1").status_code == 404
    assert api.get(f"/appraisal/cycles/{cid}/calibration", "finance.head").status_code == 403
    everyone = api.ok("GET", f"/appraisal/cycles/{cid}/results", "office")["results"]
    assert len(everyone) == 16
    cal = api.ok("GET", f"/appraisal/cycles/{cid}/calibration", "office")
    assert cal["breaches"]  # 5s from every supervisor: too many 优秀 everywhere
    calibrate = open_tasks(api, "office", item, "calibrate")[0]
    refused = api.post(f"/tasks/{calibrate['id']}/actions/submit", "office", json={})
    assert refused.status_code == 403 and refused.json()["error"]["details"]["breaches"]
    bad = api.post(f"/tasks/{calibrate['id']}/actions/calibrate", "office",
                   json={"person": "finance.staff1", "band": "超优秀", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["fields"] == ["band"]
    api.act("office", calibrate["id"], "calibrate", person="finance.staff1", band="good", reason="名额所限")
    api.act("office", calibrate["id"], "submit", reason="各部门人数少，优秀名额按部门掌握")
    cycle = api.ok("GET", f"/appraisal/cycles/{cid}", "office")
    assert (cycle["state"], cycle["revision"], cycle["current_step"]) == ("published", 1, "appeal_window")
    signed = api.ok("GET", f"/appraisal/cycles/{cid}/calibration", "office")
    assert [c["kind"] for c in signed["changes"]] == ["calibration", "signoff"] and signed["signed_off_by"] == "office"

    # published: a person sees their own explained result, a head their unit's
    own = api.ok("GET", f"/appraisal/cycles/{cid}/results", "finance.staff1")["results"]
    assert [r["person"] for r in own] == ["finance.staff1"]
    assert own[0]["band"]["id"] == "good" and own[0]["computed_band"]["id"] == "excellent" and own[0]["changed"]
    detail = api.ok("GET", f"/appraisal/cycles/{cid}/results/finance.staff1", "finance.staff1")
    assert detail["renormalised"] and [c["kind"] for c in detail["changes"]] == ["calibration"]
    assert {d["id"] for d in detail["dimensions"]} >= {"task_completion", "expertise"}
    assert api.get(f"/appraisal/cycles/{cid}/results/finance.staff2", "finance.staff1").status_code == 404
    assert len(api.ok("GET", f"/appraisal/cycles/{cid}/results", "finance.head")["results"]) == 3

    # an appeal: decided by someone other than the original rater (the finance head rated; the director decides)
    t = next(t for t in open_tasks(api, "finance.staff1", item, "appeal_window") if t["holder"]["person"] == "finance.staff1")
    assert [a["name"] for a in t["actions"]][:2] == ["submit", "appeal"]
    api.act("finance.staff1", t["id"], "appeal", reason="本季度承担了额外工作")
    decision = open_tasks(api, "office", item, "appeal_window", purpose="appeal")[0]
    assert decision["holder"] == {"person": "office"}
    assert [a["name"] for a in decision["actions"]][:2] == ["uphold", "adjust"]
    api.act("office", decision["id"], "adjust", score=91, band="excellent", reason="额外工作属实")
    after = api.ok("GET", f"/appraisal/cycles/{cid}/results/finance.staff1", "finance.staff1")
    assert (after["score"], after["band"]["id"], after["appeal"], after["revision"]) == (91.0, "excellent", "adjusted", 2)
    assert api.ok("GET", f"/appraisal/cycles/{cid}", "hr.staff1")["revision"] == 2


def test_a_period_that_has_not_begun_is_refused(api):
    r = api.post("/appraisal/cycles", "office", json={"period": "2026Q3"})
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["period"]
    assert api.ok("GET", "/appraisal/cycles", "office") == []  # nothing was started, not even the key
    assert api.post("/appraisal/cycles", "office", json={"period": "2026Q1"}).status_code == 201
