"""办结评价: the leader who gave the instruction rates a closed directive (or their stand-in does), once; a rating
left for five working days lapses to 未评价 through the sweep."""
from __future__ import annotations

from datetime import date

import pytest

from engine.core.states import InputError, NotAllowed
from engine.runtime import proxies
from engine.runtime.sweep import sweep
from engine.store import db

from tests.support.clock import at


def closed(office, clock, **subject):
    """A directive issued, handled by finance alone, verified and closed on Tuesday 10 March."""
    clock.set(at("2026-03-09 10:00"))
    item = office.issue_directive(co_units=[], **subject)
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "complete", on="finance", report="已全部整改")
    clock.set(at("2026-03-10 10:00"))
    office.do("clerk", item, "verify", "approve", comment="材料齐全")
    return item


def rating_task(office, item):
    return [t for t in office.view(item)["tasks"] if t["kind"] == "rating"]


def test_the_leader_rates_a_closed_item_unsatisfied_with_a_comment(office, site, clock):
    item = closed(office, clock)
    v = office.view(item)
    assert v["state"] == "completed"
    [task] = rating_task(office, item)
    assert task["holder"] == {"person": "leader"} and task["state"] == "active"
    assert task["due_at"] == at("2026-03-17 18:00")  # five working days, at the close of office
    assert [a["name"] for a in task["actions"]] == []  # the read without a viewer offers nothing
    with pytest.raises(InputError) as no_comment:
        office.do("leader", item, "close", "rate", kind="rating", rating="unsatisfied")
    assert no_comment.value.field == "comment"
    office.do("leader", item, "close", "rate", kind="rating", rating="unsatisfied", comment="整改不彻底，台账不全")
    v = office.view(item)
    assert v["rating"]["value"] == "unsatisfied" and v["rating"]["label"] == {"zh": "不满意", "en": "Unsatisfied"}
    assert v["rating"]["comment"] == "整改不彻底，台账不全"
    assert v["rating"]["by"] == "leader"
    assert "办结评价：不满意，整改不彻底，台账不全" in office.timeline(item)[-1]
    assert office.kinds(item)[-3:] == ["end", "rating_requested", "rate"]


def test_a_second_rating_is_refused(office, site, clock):
    item = closed(office, clock)
    task = rating_task(office, item)[0]["id"]
    site.act(task, "rate", "leader", {"rating": "satisfied"})
    with pytest.raises(NotAllowed) as again:
        site.act(task, "rate", "leader", {"rating": "unsatisfied", "comment": "改主意了"})
    assert "已评价" in again.value.zh
    assert office.view(item)["rating"]["value"] == "satisfied"


def test_only_the_instructing_leader_or_their_stand_in_may_rate(office, site, clock):
    item = closed(office, clock)
    task = rating_task(office, item)[0]["id"]
    for who in ("clerk", "finance.head", "office"):
        with pytest.raises(NotAllowed) as refused:
            site.act(task, "rate", who, {"rating": "satisfied"})
        assert "批示领导" in refused.value.zh
    proxies.give(site, by="leader", to="office", starts=date(2026, 3, 10), until=date(2026, 3, 12), note="出差")
    with db.read(site.eng) as conn:
        stand_in = proxies.actor(site, "office", conn)
    site.act(task, "rate", "office", {"rating": "basically"}, acting_for=stand_in.acting_for)
    v = office.view(item)
    assert v["rating"]["value"] == "basically"
    assert v["rating"]["by"] == "office" and v["rating"]["on_behalf_of"] == "leader"
    assert "（代" in office.timeline(item)[-1]


def test_the_issuer_rates_when_no_leader_is_named(office, site, clock):
    item = closed(office, clock, leader=None)
    assert rating_task(office, item)[0]["holder"] == {"person": "leader"}  # the issuer: the leader issued it
    item2 = office.issue_directive(by="clerk", leader=None, co_units=[])
    office.register_and_assign(item2)
    office.do("finance.head", item2, "handle", "accept", on="finance")
    office.do("finance.head", item2, "handle", "complete", on="finance", report="完成")
    office.do("clerk", item2, "verify", "approve")
    assert rating_task(office, item2)[0]["holder"] == {"person": "clerk"}


def test_an_unrated_item_lapses_to_not_rated_once(office, site, clock):
    item = closed(office, clock)
    clock.set(at("2026-03-17 17:59"))
    assert [f.kind for f in sweep(site).fired] == []
    assert office.view(item)["rating"]["value"] is None
    clock.set(at("2026-03-17 18:00"))
    assert [f.kind for f in sweep(site).fired] == ["timeout"]
    assert [f.kind for f in sweep(site).fired] == []  # claimed once
    v = office.view(item)
    assert v["rating"]["value"] == "none" and v["rating"]["label"]["zh"] == "未评价"
    assert rating_task(office, item)[0]["state"] == "skipped"
    assert office.timeline(item)[-1] == "评价期限届满，记为未评价"
    with pytest.raises(NotAllowed) as late:
        office.site.act(rating_task(office, item)[0]["id"], "rate", "leader", {"rating": "satisfied"})
    assert "期限已过" in late.value.zh


def test_the_leader_rates_an_item_unsatisfied_and_the_leads_appraisal_result_explains_it(office, site, clock):
    from engine.appraisal import metrics
    from engine.appraisal.schemes import parse_scheme, schemes_dir
    from engine.appraisal.scoring import explain, score_person

    rated = closed(office, clock)  # finance (its head) led it
    office.do("leader", rated, "close", "rate", kind="rating", rating="unsatisfied", comment="整改不彻底")
    lapsed = closed(office, clock, title="清理过期票据")
    clock.set(at("2026-03-31 10:00"))
    sweep(site)  # the second lapses to 未评价: not counted
    assert office.view(lapsed)["rating"]["value"] == "none"
    lead_task = [t["id"] for t in office.tasks(rated, "handle") if t["part"] == "lead"][-1]
    start, end = at("2026-01-01 00:00"), at("2026-04-01 00:00")
    with db.read(site.eng) as conn:
        got = metrics.compute(conn, cal=site.cal, start=start, end=end, people={"finance.head", "hr.head"},
                              heads={u: x.head for u, x in site.org.units.items()}, sole={})
    head = got["finance.head"]
    assert head["figures"]["satisfaction"] == 40 and head["figures"]["rated"] == 1
    assert head["figures"]["unsatisfied"] == 1 and head["evidence"]["unsatisfied"] == str(lead_task)
    assert got["hr.head"]["figures"]["satisfaction"] is None and got["hr.head"]["figures"]["rated"] == 0

    scheme = parse_scheme((schemes_dir() / "finance_assistant.yaml").read_text(encoding="utf-8"))
    result = explain(scheme, score_person(scheme, head["figures"], []))
    task_completion = next(d for d in result["dimensions"] if d["id"] == "task_completion")
    assert task_completion["inputs"]["unsatisfied"] == 1
    assert "unsatisfied" in task_completion["evidence"]
    assert task_completion["raw"] == 100 - 10  # on time, no card, one 不满意


def test_a_rating_rule_naming_nobody_known_is_refused_with_its_place(tmp_path):
    from engine.core.states import DefinitionError
    from engine.parser.definition import check_definition
    from engine.parser.loader import definitions_dir
    from engine.parser.positions import Located

    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8").replace(
        "rating: {by: [subject.leader, initiator]", "rating: {by: [subject.nobody, initiator]")
    with pytest.raises(DefinitionError) as bad:
        check_definition(Located(text.encode("utf-8"), "directive.yaml"))
    line = text[:text.index("subject.nobody")].count("\n") + 1
    assert bad.value.problems == [f"directive.yaml:{line}: actor 'subject.nobody' names no field of the subject"]


def test_the_rating_on_the_ledger_the_board_and_the_bulletin(office, site, clock):
    from engine.reads import bulletin, supervision

    first = closed(office, clock)
    second = closed(office, clock, title="清理过期票据")
    office.do("leader", first, "close", "rate", kind="rating", rating="unsatisfied", comment="整改不彻底")
    office.do("leader", second, "close", "rate", kind="rating", rating="satisfied")
    rows = {r["id"]: r for r in supervision.ledger(site, login="clerk")}
    assert (rows[first]["rating"], rows[second]["rating"]) == ("不满意", "满意")
    assert bulletin.leader_rating(rows[first], "zh") == "不满意"
    assert supervision.ledger(site, login="clerk", lang="en")[0]["rating"] == "Unsatisfied"
    board = supervision.summary(site, login="clerk")["satisfaction"]
    assert board == [{"unit": "finance", "name": "财务部", "satisfied": 1, "basically": 0, "unsatisfied": 1,
                      "none": 0, "rated": 2, "score": 70.0}]
    # the board's filters narrow it as they narrow the rest of the board
    assert supervision.summary(site, login="clerk", filters=supervision.Filters(unit="hr"))["satisfaction"] == []


def test_ratings_of_several_items_lapse_in_one_sweep(office, site, clock):
    items = [closed(office, clock, title=f"事项{i}") for i in range(3)]
    clock.set(at("2026-03-17 18:00"))
    result = sweep(site)
    assert [f.kind for f in result.fired] == ["timeout"] * 3 and result.failed == []
    assert [office.view(i)["rating"]["value"] for i in items] == ["none"] * 3
