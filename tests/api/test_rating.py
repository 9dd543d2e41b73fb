"""办结评价 over HTTP: the closed directive's rating task in the leader's 我的待办 with its three choices, the
rating with a comment, the item's `rating`, a refusal for a second rating and for someone else, and the errors in
the user's terms."""
from __future__ import annotations


def closed_item(api) -> int:
    item = api.directive_at_handle(co_units=[])
    lead = api.task("finance.head", item, "handle")
    api.act("finance.head", lead["id"], "accept")
    api.act("finance.head", lead["id"], "complete", report="已全部整改")
    api.act("clerk", api.task("clerk", item, "verify")["id"], "approve")
    return item


def test_the_leader_rates_from_the_task_list(api):
    item = closed_item(api)
    mine = [t for t in api.ok("GET", "/me/tasks", "leader", params={"view": "full"}) if t["instance_id"] == item]
    assert [(t["kind"], t["step"]) for t in mine] == [("rating", "close")]
    [rate] = [a for a in mine[0]["actions"] if a["name"] == "rate"]
    assert [a["name"] for a in mine[0]["actions"]] == ["rate"]
    fields = {f["name"]: f for f in rate["fields"]}
    assert fields["rating"]["choices"] == ["satisfied", "basically", "unsatisfied"]
    assert fields["comment"]["max_length"] > 0 and fields["comment"]["required"] is False

    pending = api.ok("GET", f"/instances/{item}", "leader")["rating"]
    assert pending["pending"] is True and pending["value"] is None and pending["label"]["zh"] == "待评价"

    err = api.post(f"/tasks/{mine[0]['id']}/actions/rate", "leader", json={"rating": "unsatisfied"})
    assert err.status_code == 422 and err.json()["error"]["details"]["field"] == "comment"
    assert "不满意" in err.json()["error"]["message"]
    err = api.post(f"/tasks/{mine[0]['id']}/actions/rate", "leader", json={"rating": "great"})
    assert err.status_code == 422 and err.json()["error"]["details"]["field"] == "rating"

    forbidden = api.post(f"/tasks/{mine[0]['id']}/actions/rate", "clerk", json={"rating": "satisfied"})
    assert forbidden.status_code in (403, 404)

    api.act("leader", mine[0]["id"], "rate", rating="basically", comment="基本到位，台账需补全")
    got = api.ok("GET", f"/instances/{item}", "clerk")["rating"]
    assert (got["value"], got["label"]["en"], got["comment"], got["by"]) == (
        "basically", "Basically satisfied", "基本到位，台账需补全", "leader")
    again = api.post(f"/tasks/{mine[0]['id']}/actions/rate", "leader", json={"rating": "satisfied"})
    assert again.status_code == 403 and "已评价" in again.json()["error"]["message"]
    assert not [t for t in api.ok("GET", "/me/tasks", "leader") if t["instance_id"] == item]
