"""The demo office (`duban serve --demo`) shows supervision at work the moment it opens: whatever the day, the clerk's
board has overdue items, a yellow and a red card, the office director has an extension request to decide, the
ledger counts the chases sent, and one directive is already closed (销号) — all of it played through the engine on a
clock set in the past, then swept up to today."""
from __future__ import annotations

import pytest

from engine.cli.demo import seed_demo
from tests.support.clock import at

TODAYS = {
    "a Monday morning": "2026-11-30 10:00",
    "a Sunday afternoon": "2026-11-29 15:00",
    "a Monday before office hours": "2026-11-30 07:00",
    "the National Day holiday": "2026-10-03 10:00",
    "the first working day of a new year": "2027-01-04 10:00",
}


@pytest.fixture(params=list(TODAYS.values()), ids=list(TODAYS))
def demo_office(request, api, api_site, clock):
    clock.set(at(request.param))
    return api, seed_demo(api_site)


def test_the_board_shows_overdue_items_and_both_cards(demo_office):
    api, items = demo_office
    board = api.ok("GET", "/supervision/summary", "clerk")
    counts = board["counts"]
    assert counts["overdue"] == 3 and counts["yellow"] == 1 and counts["red"] == 1
    assert counts["completed"] == 1 and counts["running"] == len(items) - 1
    cards = {c["id"]: c for c in board["cards"]}
    assert cards[items["red"]]["card"] == "red" and cards[items["red"]]["overdue_days"] >= 5
    assert cards[items["yellow"]]["card"] == "yellow" and 3 <= cards[items["yellow"]]["overdue_days"] < 5


def test_the_overdue_items_were_chased_and_the_clerk_can_chase_them_again(demo_office):
    api, items = demo_office
    ledger = api.client.get("/api/v1/supervision/ledger.csv", headers=api.headers("clerk")).text.splitlines()
    col = ledger[0].split(",").index("催办次数")
    chases = {line.split(",")[1]: int(line.split(",")[col]) for line in ledger[1:]}
    assert chases["客户投诉热线升级改造"] >= 5  # chased every working day overdue
    assert chases["年度预算执行情况自查"] >= 2
    assert chases["办公用房调整方案"] >= 1  # the clerk's own 催办 this morning
    assert chases["一季度安全生产大检查整改"] == 0  # closed on time
    overdue = api.ok("GET", "/instances?overdue=true", "clerk")["items"]
    assert {i["id"] for i in overdue} == {items["red"], items["yellow"], items["chased"]}
    red = api.ok("GET", f"/instances/{items['red']}", "clerk")
    assert any(t["kind"] == "work" and "chase" in [a["name"] for a in t["actions"]] for t in red["tasks"])


def test_the_office_director_has_an_extension_to_decide(demo_office):
    api, items = demo_office
    waiting = [t for t in api.ok("GET", "/me/tasks", "office") if t["kind"] == "extension"]
    assert [t["instance_id"] for t in waiting] == [items["extension"]]
    assert waiting[0]["actions"] == ["approve", "reject"]  # the card's two primary actions


def test_one_directive_is_closed_and_its_timeline_ends_with_the_clerks_approval(demo_office):
    api, items = demo_office
    closed = api.ok("GET", "/instances?state=completed", "clerk")["items"]
    assert [i["id"] for i in closed] == [items["closed"]]
    timeline = api.ok("GET", f"/instances/{items['closed']}", "clerk")["timeline"]
    kinds = [e["kind"] for e in timeline]  # the leader's rating (办结评价) hangs on the closed item: it lapses unrated
    assert [k for k in kinds if not k.startswith("rating_")][-2:] == ["approve", "end"]
    assert kinds[-2:] == ["rating_requested", "rating_lapsed"]
