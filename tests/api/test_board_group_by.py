"""GET /supervision/summary?group_by=…: the board grouped by unit, by the instructing leader, by source or by level,
over HTTP: what the leader reads on Monday morning, with items whose subject does not say together as 未填."""
from __future__ import annotations

from tests.support.office import DIRECTIVE


def test_the_leader_reads_the_board_grouped_by_leader_and_by_unit(api, office):
    api.start("leader", **DIRECTIVE)
    api.start("leader", **(DIRECTIVE | {"title": "网络升级", "lead_unit": "it", "co_units": []}))
    api.start("clerk", "incoming_document", title="关于开展消防检查的通知", sender="市应急管理局",
              doc_number="应急〔2026〕3号", received_on="2026-03-02", due="2026-03-16", urgency="normal",
              confidential=False)
    by_leader = api.ok("GET", "/supervision/summary?group_by=leader", "leader")
    assert by_leader["group_by"] == "leader"
    groups = {g["key"]: g for g in by_leader["groups"]}
    assert groups["leader"]["name"] == "王局长" and groups["leader"]["total"] == 2
    assert groups[None]["name"] == "未填" and groups[None]["total"] == 1
    assert sum(g["total"] for g in by_leader["groups"]) == by_leader["counts"]["total"]
    en = api.ok("GET", "/supervision/summary?group_by=level", "leader", headers={"Accept-Language": "en"})
    assert [g["name"] for g in en["groups"]] == ["Normal"]  # the directive's level defaults to 一般
    by_unit = api.ok("GET", "/supervision/summary?group_by=unit", "clerk")
    assert [g["key"] for g in by_unit["groups"]] == [u["unit"] for u in by_unit["by_unit"]]
    plain = api.ok("GET", "/supervision/summary", "clerk")
    assert plain["groups"] is None and plain["counts"] == by_unit["counts"]


def test_an_unknown_grouping_is_refused_in_the_users_terms(api, office):
    r = api.get("/supervision/summary?group_by=weather", "leader")
    assert r.status_code == 422
