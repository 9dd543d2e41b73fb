"""engine.supervision: the board's counts, rates, cards, upcoming work and weekly series, the ledger's rows,
the filters, and bulk chasing, on a simulated fortnight in the office (no pages, no HTTP)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from engine.reads import supervision
from engine.core.states import NotAllowed
from engine.reads.supervision import Filters, period_range
from engine.runtime.sweep import sweep
from tests.support.clock import at


def by_unit(s: dict) -> dict:
    return {u["unit"]: u for u in s["by_unit"]}


@pytest.fixture
def fortnight(office, clock):
    """Four directives over two weeks: on time, late, extended and still open past due."""
    o = office
    on_time = o.issue_directive(title="安全检查", lead_unit="finance", co_units=["hr"], due="2026-03-06")
    late = o.issue_directive(title="档案整理", lead_unit="hr", co_units=[], due="2026-03-05")
    extended = o.issue_directive(title="热线改造", lead_unit="service", co_units=[], due="2026-03-04")
    stuck = o.issue_directive(title="网络升级", lead_unit="it", co_units=[], due="2026-03-04")
    for item in (on_time, late, extended, stuck):
        o.register_and_assign(item)
    o.do("finance.head", on_time, "handle", "accept", on="finance")
    o.do("hr.head", on_time, "handle", "accept", on="hr")
    o.do("hr.head", on_time, "handle", "complete", on="hr", opinion="同意")
    o.do("service.head", extended, "handle", "accept", on="service")
    o.do("service.head", extended, "handle", "request_extension", on="service", new_due="2026-03-13", reason="等设备")
    o.do("office", extended, "handle", "approve", kind="extension")
    clock.set(at("2026-03-05 15:00"))
    o.do("finance.head", on_time, "handle", "complete", on="finance", report="已完成")
    o.do("clerk", on_time, "verify", "approve")
    clock.set(at("2026-03-06 11:00"))
    o.do("hr.head", late, "handle", "accept", on="hr")
    o.do("hr.head", late, "handle", "complete", on="hr", report="补办完成")  # a day late
    clock.set(at("2026-03-10 10:00"))
    o.do("service.head", extended, "handle", "complete", on="service", report="上线")  # before the new due date
    sweep(o.site)
    return {"on_time": on_time, "late": late, "extended": extended, "stuck": stuck}


def test_the_board_counts_rates_and_overdue_by_unit(office, fortnight):
    s = supervision.summary(office.site, login="leader")
    assert s["counts"] | {} == {"total": 4, "running": 3, "overdue": 1, "due_soon": 2, "completed": 1, "archived": 0,
                                "cancelled": 0, "yellow": 1, "red": 0, "with_material": 0, "without_material": 1}
    u = by_unit(s)
    assert (u["finance"]["on_time"], u["finance"]["late"], u["finance"]["rate"]) == (1, 0, 1.0)
    assert (u["hr"]["on_time"], u["hr"]["late"], u["hr"]["rate"]) == (1, 1, 0.5)  # a co opinion on time, a lead late
    assert (u["service"]["rate"], u["it"]["rate"], u["office"]["rate"]) == (1.0, 0.0, None)  # extension counts
    assert (u["it"]["open"], u["it"]["overdue"]) == (1, 1)
    assert [c["id"] for c in s["cards"]] == [fortnight["stuck"]] and s["cards"][0]["card"] == "yellow"
    assert s["cards"][0]["overdue_days"] == 4 and s["cards"][0]["holders"] == ["信息技术部"]
    assert {(x["id"], x["holder"]) for x in s["upcoming"]} == {(fortnight["late"], "督办员"),
                                                                (fortnight["extended"], "督办员")}  # verify steps


def test_weeks_count_completions_and_items_that_fell_overdue(office, fortnight):
    weeks = supervision.summary(office.site, login="clerk", weeks=3)["weeks"]
    assert [w["start"] for w in weeks] == [date(2026, 2, 23), date(2026, 3, 2), date(2026, 3, 9)]
    assert [(w["completed"], w["overdue"]) for w in weeks] == [(0, 0), (1, 2), (0, 0)]  # hr late, it stuck


def test_the_board_is_for_supervisors(office, fortnight):
    for who in ("finance.head", "finance.staff1", "hr.staff1"):
        with pytest.raises(NotAllowed):
            supervision.summary(office.site, login=who)
        with pytest.raises(NotAllowed):
            supervision.overdue_tasks(office.site, login=who)


def test_ledger_rows_have_the_offices_columns(office, fortnight, clock):
    clock.set(at("2026-03-10 16:00"))
    o = office
    o.do("clerk", fortnight["stuck"], "handle", "chase", on="it", message="请今日反馈")
    doc = o.site.start("incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                             "doc_number": "市数〔2026〕12号", "received_on": "2026-03-10",
                                             "due": "2026-03-20"}, "clerk")
    rows = {r["id"]: r for r in supervision.ledger(o.site, login="clerk")}
    done = rows[fortnight["on_time"]]
    assert [k for k, _, _ in supervision.LEDGER_COLUMNS] == ["serial", "title", "source", "lead", "co", "assigned_on",
                                                             "due_on", "progress", "closed_on", "state", "chases",
                                                             "card", "light", "material", "proposal", "instruction", "urgency", "reply",
                                                             "rating"]
    assert (done["serial"], done["source"], done["lead"], done["co"]) == ("督〔2026〕1号", "王局长", "财务部", "人力资源部")
    assert (done["assigned_on"], done["due_on"], done["closed_on"]) == (date(2026, 3, 2), date(2026, 3, 6),
                                                                        date(2026, 3, 5))
    assert (done["progress"], done["state"], done["chases"], done["card"]) == ("已完成（100%）", "已办结", 0, "—")
    assert done["rating"] == ""  # 办结评价: the leader has not rated it yet (待评价)
    stuck = rows[fortnight["stuck"]]
    assert stuck["state"] == "办理中（超期）" and stuck["card"] == "黄牌" and stuck["closed_on"] is None
    assert stuck["chases"] == 2  # the sweep's (chases missed while the clock jumped fire once) and the clerk's
    assert rows[fortnight["extended"]]["due_on"] == date(2026, 3, 13)  # the approved extension
    assert rows[doc]["source"] == "市数据局 市数〔2026〕12号" and rows[doc]["lead"] == "" and rows[doc]["due_on"] == date(2026, 3, 20)
    english = {r["id"]: r for r in supervision.ledger(o.site, login="clerk", lang="en")}
    assert english[fortnight["stuck"]]["state"] == "In progress (overdue)" and english[fortnight["stuck"]]["card"] == "Yellow"
    assert supervision.ledger_headers("en")[:3] == ["No.", "Item", "Source / leader"]


def test_ledger_and_board_see_only_what_the_person_may(office, fortnight):
    secret = office.site.start("incoming_document", {
        "title": "关于人事调整的通知（涉密）", "sender": "市委组织部", "received_on": "2026-03-02", "confidential": True}, "clerk")
    ids = lambda who: {r["id"] for r in supervision.ledger(office.site, login=who)}  # noqa: E731
    assert ids("finance.staff2") == {fortnight["on_time"]}  # their unit's item only
    assert ids("hr.staff1") == {fortnight["on_time"], fortnight["late"]}
    assert secret in ids("clerk") and secret not in ids("leader")  # confidential: only those involved
    assert secret not in {c["id"] for c in supervision.summary(office.site, login="leader")["upcoming"]}


def test_filters_narrow_both(office, fortnight, clock):
    site = office.site
    ids = lambda f: [r["id"] for r in supervision.ledger(site, login="clerk", filters=f)]  # noqa: E731
    assert ids(Filters(unit="hr")) == [fortnight["on_time"], fortnight["late"]]
    assert ids(Filters(state="completed")) == [fortnight["on_time"]]
    assert ids(Filters(overdue=True)) == [fortnight["stuck"]]
    assert ids(Filters(q="热线")) == [fortnight["extended"]]
    assert ids(Filters(definition="incoming_document")) == []
    assert ids(Filters(since=date(2026, 3, 3))) == [] and len(ids(Filters(until=date(2026, 3, 2)))) == 4
    item = office.issue_directive(title="预算编制", lead_unit="finance", co_units=[], due="2026-03-20")
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "transfer", on="finance", to="finance.staff1", reason="请具体承办")
    assert item in ids(Filters(unit="finance"))  # led by a person of the unit after the hand-over
    s = supervision.summary(site, login="leader", filters=Filters(unit="it"))
    assert s["counts"]["total"] == 1 and s["counts"]["overdue"] == 1
    assert period_range("month", date(2026, 3, 10)) == (date(2026, 3, 1), date(2026, 3, 10))
    assert period_range("quarter", date(2026, 5, 20)) == (date(2026, 4, 1), date(2026, 5, 20))
    assert period_range("week", date(2026, 3, 12)) == (date(2026, 3, 9), date(2026, 3, 12))
    assert period_range("year", date(2026, 3, 12)) == (date(2026, 1, 1), date(2026, 3, 12))
    assert period_range("all", date(2026, 3, 12)) == (None, None)


def test_bulk_chase_chases_each_with_the_single_rule(office, fortnight):
    site = office.site
    late = supervision.overdue_tasks(site, login="clerk")
    assert [t["instance_id"] for t in late] == [fortnight["stuck"]]
    assert "chase" in [a["name"] for a in late[0]["actions"]]
    result = supervision.chase_many(site, login="clerk", task_ids=[late[0]["id"], 999_999], message="请今日反馈")
    assert result["chased"] == [late[0]["id"]] and [f["task"] for f in result["failed"]] == [999_999]
    again = supervision.chase_many(site, login="clerk", task_ids=[late[0]["id"]], message="再催")
    assert again["chased"] == [] and "距上次催办不足" in again["failed"][0]["zh"]
    with pytest.raises(NotAllowed):
        supervision.chase_many(site, login="it.staff1", task_ids=[late[0]["id"]], message="x")
    assert isinstance(supervision.summary(site, login="clerk")["now"], datetime)


CYCLE = """
id: review_cycle
version: 1
title: {zh: 季度回顾, en: Quarterly review}
serial: {prefix: 顾}
trigger: {schedule: quarterly}
fields:
  title: {type: text, required: true}
start: write
steps:
  write:
    kind: task
    title: {zh: 撰写, en: Write}
    actor: role:office_director
    deadline: 1 working day
    next: done
  done:
    kind: end
    title: {zh: 完成, en: Done}
"""


def test_recurring_items_are_supervised_like_any_other(office, fortnight, tmp_path):
    # a definition that starts by itself (周期性事项) is work to supervise; only appraisal cycles stay off the board
    from engine.runtime.boot import register_definitions

    path = tmp_path / "review_cycle.yaml"
    path.write_text(CYCLE, encoding="utf-8")
    register_definitions(office.site, [path])
    cycle = office.site.start("review_cycle", {"title": "2026Q1"}, "admin")
    assert cycle in {r["id"] for r in supervision.ledger(office.site, login="admin")}
    assert supervision.summary(office.site, login="admin")["counts"]["total"] == 5
    asked = supervision.ledger(office.site, login="admin", filters=Filters(definition="review_cycle"))
    assert [r["id"] for r in asked] == [cycle]
