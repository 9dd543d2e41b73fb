"""The contract's demo sign-ins all exist: admin, leader, office, clerk, and <unit>.head/.staff1/.staff2 for every
unit, `office.head` included (the head of the office unit; the office director `office` stays)."""
from __future__ import annotations

import pytest

UNITS = ("office", "hr", "finance", "service", "it")
CONTRACT = ["admin", "leader", "office", "clerk"] + [f"{u}.{who}" for u in UNITS for who in ("head", "staff1", "staff2")]


@pytest.mark.parametrize("login", CONTRACT)
def test_every_contract_person_signs_in(api, login):
    me = api.ok("GET", "/me", login)
    assert me["login"] == login
    if "." in login:
        assert me["unit"]["id"] == login.split(".")[0]


def test_office_head_is_a_head_of_the_office_and_the_director_stays(api, api_site):
    head = api.ok("GET", "/me", "office.head")
    assert head["unit"]["id"] == "office" and [r["id"] for r in head["roles"]] == ["unit_head"]
    director = api.ok("GET", "/me", "office")
    assert {r["id"] for r in director["roles"]} == {"office_director", "unit_head"}
    assert api_site.org.head_of("office") == "office"  # routing and appraisal keep the director as today
