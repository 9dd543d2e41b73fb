"""Registering a directive over the API is refused for what the assign step would refuse later — a due date in the
past, a lead unit that also co-handles — with 422 naming the field in the form's own words."""
from __future__ import annotations

from tests.support.office import DIRECTIVE


def refused(api, lang="zh", **subject):
    r = api.post("/instances", "leader", json={"definition": "directive", "subject": {**DIRECTIVE, **subject}},
                 headers={"Accept-Language": lang})
    assert r.status_code == 422, r.text
    return r.json()["error"]


def test_a_directive_due_yesterday_is_refused_naming_the_due_field(api):
    error = refused(api, due="2026-03-01")  # the clock stands on Monday 2 March 2026
    assert error["code"] == "invalid_input"
    assert error["details"]["fields"] == ["due"]
    assert error["message"] == "due: 办理时限不能早于今天（due: the due date cannot be in the past）"
    assert refused(api, "en", due="2026-03-01")["message"] == "due: the due date cannot be in the past"


def test_a_lead_unit_that_also_co_handles_is_refused_naming_the_co_units(api):
    error = refused(api, lead_unit="finance", co_units=["hr", "finance"])
    assert error["details"]["fields"] == ["co_units"]
    assert error["message"] == "co_units: 主办单位不能同时是协办单位（co_units: the lead unit cannot also co-handle）"


def test_a_directive_due_today_with_distinct_units_is_registered(api):
    r = api.post("/instances", "leader", json={"definition": "directive", "subject": {
        **DIRECTIVE, "due": "2026-03-02", "lead_unit": "finance", "co_units": ["hr"]}})
    assert r.status_code == 201, r.text
    assert r.json()["subject"]["due"] == "2026-03-02"
