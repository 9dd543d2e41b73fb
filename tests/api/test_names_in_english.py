"""English says names, not codes: the English timeline names people and units by their display names."""
from __future__ import annotations

import re

LOGINS = re.compile(r"\b(office|hr|finance|service|it)\.(head|staff[12])\b|\b(hr|finance|service)\b")


def test_the_english_timeline_names_people_and_units(api):
    item = api.directive_at_handle()  # lead finance, co hr, assigned by the office director
    lead = api.task("finance.head", item, "handle", holder={"unit": "finance"})
    api.act("finance.head", lead["id"], "accept")
    api.act("finance.head", lead["id"], "transfer", to="finance.staff1", reason="请郑会计承办")
    staff = api.task("finance.staff1", item, "handle", holder={"person": "finance.staff1"})
    api.act("finance.staff1", staff["id"], "return", reason="不属本人职责")
    en = api.ok("GET", f"/instances/{item}", "leader", headers={"Accept-Language": "en"})["timeline"]
    texts = [e["text"] for e in en]
    assigned = next(t for t in texts if "assigned:" in t)
    assert assigned.startswith("Director Li (Office) assigned: lead Finance, co Human Resources, due "), assigned
    assert any(t.startswith("Wu (Finance head) ") for t in texts), texts
    assert any(t.startswith("Wu (Finance head) transferred to Zheng Kuai") for t in texts), texts
    assert any(t.startswith("Zheng Kuai returned it to ") for t in texts), texts
    for t in texts:
        assert not LOGINS.search(t), t
    zh = [e["text"] for e in api.ok("GET", f"/instances/{item}", "leader")["timeline"]]
    assert any(t.startswith("李主任交办：主办 财务部，协办 人力资源部") for t in zh), zh


def test_a_chase_names_the_chaser_in_english(api):
    item = api.directive_at_handle()
    lead = api.task("clerk", item, "handle", holder={"unit": "finance"})
    api.act("clerk", lead["id"], "chase", message="请尽快签收")
    en = api.ok("GET", "/notifications", "finance.head", headers={"Accept-Language": "en"})
    chase = next(n for n in en if n["kind"] == "chase_manual")
    assert chase["body"].startswith("Zhao (clerk) chases "), chase["body"]
    zh = next(n for n in api.ok("GET", "/notifications", "finance.head") if n["kind"] == "chase_manual")
    assert zh["body"].startswith("赵督办催办 "), zh["body"]
