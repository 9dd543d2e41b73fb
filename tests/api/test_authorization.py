"""Who may call what: every endpoint × every kind of person, with the exact status each one gets.

The item in question is a directive led by Finance (co-handled by HR), at the handling step. "own" people
belong to Finance, "foreign" ones to IT, which has nothing to do with the item."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.office import Api

PEOPLE = {"admin": "admin", "leader": "leader", "office": "office", "clerk": "clerk",
          "head_own": "finance.head", "head_foreign": "it.head", "staff_own": "finance.staff1",
          "staff_foreign": "it.staff1", "anon": None}

# endpoint                               admin leader office clerk h_own h_for s_own s_for anon
MATRIX = """
GET /health                               200   200    200   200   200   200   200   200   200
GET /me                                   200   200    200   200   200   200   200   200   401
GET /me/tasks                             200   200    200   200   200   200   200   200   401
GET /definitions                          200   200    200   200   200   200   200   200   401
GET /definitions/directive                200   200    200   200   200   200   200   200   401
POST /definitions/validate                200   403    200   403   403   403   403   403   401
POST /instances directive                 201   201    403   201   403   403   403   403   401
POST /instances incoming_document         201   403    403   201   403   403   403   403   401
GET /instances                            200   200    200   200   200   200   200   200   401
GET /instances/{item}                     200   200    200   200   200   404   200   404   401
GET /instances/{unknown}                  404   404    404   404   404   404   404   404   401
POST /tasks/{lead}/actions/accept         403   403    403   403   200   404   403   404   401
POST /tasks/{lead}/actions/transfer       403   403    403   403   200   404   403   404   401
POST /tasks/{lead}/actions/comment        200   200    200   200   200   404   200   404   401
POST /tasks/{lead}/actions/chase          403   200    200   200   403   404   403   404   401
POST /tasks/{lead}/actions/cancel         200   200    403   403   403   404   403   404   401
POST /tasks/{unknown}/actions/accept      404   404    404   404   404   404   404   404   401
GET /notifications                        200   200    200   200   200   200   200   200   401
POST /notifications/{head_own's}/read     404   404    404   404   200   404   404   404   401
GET /calendar                             200   200    200   200   200   200   200   200   401
PUT /calendar/2026-10-10                  200   403    403   403   403   403   403   403   401
DELETE /calendar/2026-10-10               200   403    403   403   403   403   403   403   401
GET /audit                                200   403    403   403   403   403   403   403   401
POST /admin/clock (normal mode)           404   404    404   404   404   404   404   404   401
POST /admin/clock (drill mode)            200   403    403   403   403   403   403   403   401
POST /auth/logout                         200   200    200   200   200   200   200   200   401
"""


@dataclass
class World:
    """A directive at the handling step; `fresh()` makes another one for endpoints that change it."""

    api: Api
    item: int = 0
    lead: int = 0

    def fresh(self) -> "World":
        item = self.api.directive_at_handle()
        lead = self.api.task("office", item, "handle", holder={"unit": "finance"})["id"]
        return World(self.api, item, lead)


def _note_of(api: Api, who: str) -> int:
    return api.ok("GET", "/notifications", who)[0]["id"]


def _calendar_off(api: Api, who: str | None, w: World):
    api.ok("PUT", "/calendar/2026-10-10", "admin", json={"working": True, "note": "调休"})
    return api.request("DELETE", "/calendar/2026-10-10", who)


def _drill(api: Api, who: str | None, w: World):
    drill = Api(TestClient(create_app(api.client.app.state.site, simulated_clock=True)))
    return drill.post("/admin/clock", who, json={"advance": "PT1H"})


def _logout(api: Api, who: str | None, w: World):
    r = api.post("/auth/logout", who)
    api.tokens.pop(who, None)
    return r


REQUESTS: dict[str, Callable] = {
    "GET /health": lambda api, who, w: api.get("/health", who),
    "GET /me": lambda api, who, w: api.get("/me", who),
    "GET /me/tasks": lambda api, who, w: api.get("/me/tasks", who),
    "GET /definitions": lambda api, who, w: api.get("/definitions", who),
    "GET /definitions/directive": lambda api, who, w: api.get("/definitions/directive", who),
    "POST /definitions/validate": lambda api, who, w: api.post("/definitions/validate", who, json={"yaml": "id: x"}),
    "POST /instances directive": lambda api, who, w: api.post("/instances", who, json={
        "definition": "directive", "subject": {"title": "t", "instruction": "i", "due": "2026-03-20"}}),
    "POST /instances incoming_document": lambda api, who, w: api.post("/instances", who, json={
        "definition": "incoming_document", "subject": {"title": "t", "sender": "s", "received_on": "2026-03-02"}}),
    "GET /instances": lambda api, who, w: api.get("/instances", who),
    "GET /instances/{item}": lambda api, who, w: api.get(f"/instances/{w.item}", who),
    "GET /instances/{unknown}": lambda api, who, w: api.get("/instances/999999", who),
    "POST /tasks/{lead}/actions/accept": lambda api, who, w: api.post(
        f"/tasks/{w.fresh().lead}/actions/accept", who, json={}),
    "POST /tasks/{lead}/actions/transfer": lambda api, who, w: api.post(
        f"/tasks/{w.fresh().lead}/actions/transfer", who, json={"to": "finance.staff2", "reason": "请具体承办"}),
    "POST /tasks/{lead}/actions/comment": lambda api, who, w: api.post(
        f"/tasks/{w.lead}/actions/comment", who, json={"text": "请抓紧"}),
    "POST /tasks/{lead}/actions/chase": lambda api, who, w: api.post(
        f"/tasks/{w.fresh().lead}/actions/chase", who, json={"message": "请于周五前反馈"}),
    "POST /tasks/{lead}/actions/cancel": lambda api, who, w: api.post(
        f"/tasks/{w.fresh().lead}/actions/cancel", who, json={"reason": "情况已变化"}),
    "POST /tasks/{unknown}/actions/accept": lambda api, who, w: api.post("/tasks/999999/actions/accept", who, json={}),
    "GET /notifications": lambda api, who, w: api.get("/notifications", who),
    "POST /notifications/{head_own's}/read": lambda api, who, w: api.post(
        f"/notifications/{_note_of(api, 'finance.head')}/read", who),
    "GET /calendar": lambda api, who, w: api.get("/calendar", who, params={"year": 2026}),
    "PUT /calendar/2026-10-10": lambda api, who, w: api.request(
        "PUT", "/calendar/2026-10-10", who, json={"working": True, "note": "调休"}),
    "DELETE /calendar/2026-10-10": _calendar_off,
    "GET /audit": lambda api, who, w: api.get("/audit", who),
    "POST /admin/clock (normal mode)": lambda api, who, w: api.post("/admin/clock", who, json={"advance": "P1D"}),
    "POST /admin/clock (drill mode)": _drill,
    "POST /auth/logout": _logout,
}


def _rows() -> list[tuple[str, dict[str, int]]]:
    rows = []
    for line in MATRIX.strip().splitlines():
        *words, = line.split()
        codes = [int(x) for x in words[-len(PEOPLE):]]
        rows.append((" ".join(words[:-len(PEOPLE)]), dict(zip(PEOPLE, codes))))
    return rows


def test_every_endpoint_is_in_the_matrix(client):
    rows = [(name.split()[0], re.sub(r"\{[^}]*\}", "1", "/api/v1" + name.split()[1])) for name, _ in _rows()]
    rows.append(("POST", "/api/v1/auth/token"))  # signing in is tested in test_auth.py
    missing = [f"{m} {r.path}" for r in client.app.routes for m in sorted(getattr(r, "methods", None) or ())
               if r.path.startswith("/api/v1/") and m != "HEAD" and not r.path.endswith(("docs", "openapi.json"))
               and not any(method == m and r.path_regex.match(path) for method, path in rows)]
    assert missing == []


@pytest.mark.parametrize("endpoint,expected", _rows(), ids=[r[0] for r in _rows()])
def test_authorisation_matrix(api, endpoint, expected):
    world = World(api).fresh()
    got = {}
    for role, who in PEOPLE.items():
        r = REQUESTS[endpoint](api, who, world)
        got[role] = r.status_code
        if r.status_code >= 400:
            assert set(r.json()) == {"error"} and {"code", "message", "details"} <= set(r.json()["error"])
        if r.status_code == 401:
            assert r.headers["www-authenticate"] == "Bearer"
    assert got == expected
