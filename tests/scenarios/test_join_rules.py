"""Co-handling with three units under each join rule: all, any, quorum."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.runtime.boot import register_definitions
from engine.core.states import NotAllowed

TEMPLATE = (Path(__file__).parent.parent / "fixtures" / "cohandle_join.yaml").read_text(encoding="utf-8")


@pytest.fixture
def joined(site, tmp_path):
    def make(rule: str, key: str) -> str:
        p = tmp_path / f"{key}.yaml"
        p.write_text(TEMPLATE.replace("JOIN_RULE", rule).replace("join_JOIN", f"join_{key}"), encoding="utf-8")
        register_definitions(site, [p])
        return f"join_{key}"
    return make


def start(site, office, key):
    item = site.start(key, {"title": "三家单位会办"}, "office")
    office.do("office", item, "assign", "assign", lead="finance", co=["hr", "it", "service"], due="2026-03-20")
    for unit in ("finance", "hr", "it", "service"):
        office.do(f"{unit}.head", item, "handle", "accept", on=unit)
    return item


def opinion(office, item, unit):
    office.do(f"{unit}.head", item, "handle", "complete", on=unit, opinion=f"{unit} 意见")


def complete(office, item):
    office.do("finance.head", item, "handle", "complete", on="finance", report="汇总办结")


@pytest.mark.parametrize("rule,answers_needed", [("all", 3), ("any", 1), ("{quorum: 2}", 2)])
def test_the_lead_completes_once_the_join_rule_holds(site, office, joined, rule, answers_needed):
    key = joined(rule, {"all": "all", "any": "any"}.get(rule, "quorum"))
    item = start(site, office, key)
    units = ["hr", "it", "service"]
    for unit in units[:answers_needed - 1]:
        opinion(office, item, unit)
    with pytest.raises(NotAllowed) as refused:
        complete(office, item)
    assert f"需要 {answers_needed} 个" in refused.value.zh
    opinion(office, item, units[answers_needed - 1])
    complete(office, item)
    v = office.view(item)
    assert v["state"] == "completed"
    states = {t["holder"]["unit"]: t["state"] for t in v["tasks"] if t["part"] == "co"}
    assert list(states.values()).count("done") == answers_needed
    assert list(states.values()).count("skipped") == 3 - answers_needed  # the rest are no longer needed


def test_the_lead_sees_the_opinions(site, office, joined):
    item = start(site, office, joined("all", "all"))
    for unit in ("hr", "it", "service"):
        opinion(office, item, unit)
    assert [e["text"] for e in office.view(item)["entries"] if e["kind"] == "opinion"] == [
        "hr 意见", "it 意见", "service 意见"]


def test_a_co_handler_that_declines_does_not_block_all(site, office, joined):
    item = start(site, office, joined("all", "all"))
    office.do("hr.head", item, "handle", "return", on="hr", reason="与我部无关")
    opinion(office, item, "it")
    opinion(office, item, "service")
    complete(office, item)
    assert office.view(item)["state"] == "completed"
