"""On leave with a proxy (代理), over HTTP: 郑会计 (finance.staff1, "李四") goes on leave and names 林运维
(it.staff1, "张三", of another unit) to stand in; a directive assigned to 郑会计 during the leave reaches 林运维
marked 代, who signs for it and reports progress as "林运维（代郑会计）"; a chase during the leave reaches both; after
the leave the task and the item are no longer 林运维's to see. And the rules of giving and revoking a proxy."""
from __future__ import annotations

from datetime import timedelta

AWAY, STAND_IN = "finance.staff1", "it.staff1"


def leave(api, who=AWAY, status=201, **body):
    body = {"to": STAND_IN, "from": "2026-03-03", "until": "2026-03-06", "note": "年休假", **body}
    return api.ok("POST", "/me/proxies", who, status, json=body)


def next_day(api, clock, days=1):
    """The clock moves on; everyone signs in again the next morning."""
    clock.advance(timedelta(days=days))
    api.tokens.clear()


def assigned_to(api, person):
    """A directive issued by the leader, registered by the clerk and assigned by the office director to `person`."""
    item = api.start("leader", title="核对三月报销凭证", co_units=[])["id"]
    api.act("clerk", api.task("clerk", item, "register")["id"], "submit")
    assign = api.task("office", item, "assign")
    api.act("office", assign["id"], "assign", lead=person, co=[], due="2026-03-20")
    return item


def test_a_stand_in_handles_the_work_of_a_colleague_on_leave(api, clock):
    given = leave(api)
    assert given["principal"] == AWAY and given["to"] == STAND_IN and given["active"] is False  # starts tomorrow
    next_day(api, clock)  # Tuesday: the leave begins
    item = assigned_to(api, AWAY)

    mine = [t for t in api.ok("GET", "/me/tasks", STAND_IN) if t["instance_id"] == item]
    assert len(mine) == 1 and mine[0]["on_behalf_of"] == "郑会计" and mine[0]["on_behalf_of_login"] == AWAY
    assert "accept" in mine[0]["actions"]
    assert api.ok("GET", f"/instances/{item}", STAND_IN)["title"] == "核对三月报销凭证"
    own = [t for t in api.ok("GET", "/me/tasks", AWAY) if t["instance_id"] == item]
    assert own and own[0]["on_behalf_of"] is None  # still the principal's own task

    task = mine[0]["id"]
    api.act(STAND_IN, task, "accept")
    api.act(STAND_IN, task, "progress", text="已核对一半凭证", percent=50)
    timeline = api.ok("GET", f"/instances/{item}", "clerk")["timeline"]
    signed = [e for e in timeline if e["kind"] == "accept"]
    assert signed[0]["text"] == "林运维（代郑会计）签收" and signed[0]["on_behalf_of"] == AWAY
    assert any(e["kind"] == "progress" and e["text"].startswith("林运维（代郑会计）反馈进展") for e in timeline)
    en = api.ok("GET", f"/instances/{item}", "clerk", headers={"Accept-Language": "en"})["timeline"]
    assert any(e["kind"] == "accept" and e["text"].startswith("Lin Yun (for Zheng Kuai)") for e in en)

    api.act("clerk", task, "chase", message="请本周内完成核对")
    for person in (AWAY, STAND_IN):
        assert any(n["kind"] == "chase_manual" and n["task_id"] == task
                   for n in api.ok("GET", "/notifications", person)), person
    assert not any(n["task_id"] == task for n in api.ok("GET", "/notifications", "it.staff2"))

    next_day(api, clock, 6)  # the next Monday: the leave is over
    assert not [t for t in api.ok("GET", "/me/tasks", STAND_IN) if t["instance_id"] == item]
    assert [t for t in api.ok("GET", "/me/tasks", AWAY) if t["instance_id"] == item]
    # acting for someone lends their view only while the leave lasts: the item is not the stand-in's any more
    assert api.get(f"/instances/{item}", STAND_IN).status_code == 404
    assert item not in {i["id"] for i in api.ok("GET", "/instances", STAND_IN)["items"]}
    assert not any(n["instance_id"] == item for n in api.ok("GET", "/notifications", STAND_IN))  # nor its notices
    assert any(n["instance_id"] == item for n in api.ok("GET", "/notifications", AWAY))


def test_a_revoked_proxy_ends_at_once_and_stays_on_record(api, clock):
    given = leave(api, **{"from": "2026-03-02"})
    item = assigned_to(api, AWAY)
    assert [t for t in api.ok("GET", "/me/tasks", STAND_IN) if t["instance_id"] == item]
    assert api.request("DELETE", f"/me/proxies/{given['id']}", "hr.staff2").status_code == 404  # not theirs
    revoked = api.ok("DELETE", f"/me/proxies/{given['id']}", AWAY)
    assert revoked["revoked_by"] == AWAY and revoked["active"] is False
    assert not [t for t in api.ok("GET", "/me/tasks", STAND_IN) if t["instance_id"] == item]
    assert api.ok("GET", "/me/proxies", STAND_IN)["received"][0]["revoked_at"] is not None
    assert api.request("DELETE", f"/me/proxies/{given['id']}", AWAY).status_code == 403  # already revoked
    kinds = [e["kind"] for e in api.ok("GET", "/audit?per_page=200", "admin")["events"]]
    assert "proxy_given" in kinds and "proxy_revoked" in kinds


def test_the_rules_of_naming_a_proxy(api):
    def refused(status, field=None, who=AWAY, **body):
        r = api.post("/me/proxies", who, json={"to": STAND_IN, "until": "2026-03-06", **body})
        assert r.status_code == status, r.text
        err = r.json()["error"]
        assert err["message"]
        if field:
            assert field in r.text
        return err

    refused(422, "to", to=AWAY)                                     # not oneself
    refused(422, "to", to="nobody.here")                            # an active person of the organisation
    refused(422, "until", **{"from": "2026-03-06", "until": "2026-03-05"})
    refused(422, "until", **{"from": "2026-03-02", "until": "2027-03-10"})   # at most a year
    refused(422, "note", note="长" * 501)
    refused(403, who=AWAY, **{"for": "hr.staff1"})                   # only administrators name one for others
    leave(api)
    refused(409, **{"from": "2026-03-05", "until": "2026-03-10"}, to="office.staff2")  # one proxy at a time
    by_admin = leave(api, who="admin", **{"for": "hr.staff1", "to": "hr.staff2"})
    assert by_admin["principal"] == "hr.staff1" and by_admin["created_by"] == "admin"
    assert api.ok("GET", "/me/proxies?for=hr.staff1", "admin")["given"][0]["id"] == by_admin["id"]
    assert api.get("/me/proxies?for=hr.staff1", AWAY).status_code == 403
    mine = api.ok("GET", "/me/proxies", AWAY)
    assert [p["to"] for p in mine["given"]] == [STAND_IN] and mine["received"] == []
