"""Levels (督办级别) and lights (亮灯) through the office's days: a 挂牌督办 directive is reminded every day from
three working days before due and escalated to its leader at once; a missed milestone turns a light yellow; the
board counts lights by unit and level, and filters by them; 我的待办 and the ledger show the light with its reason."""
from __future__ import annotations

import sys
import types

from engine.reads import items as item_reads, supervision
from engine.runtime.sweep import sweep

from tests.support.clock import at


def fired(site, clock, when):
    clock.set(at(when))
    return sorted((f.kind, f.seq, sorted(f.recipients)) for f in sweep(site).fired
                  if f.kind != "report")  # the Friday progress reports (定期反馈) are another test's


def test_a_flagged_directive_is_chased_daily_and_escalates_to_its_leader_at_once(office, site, clock):
    flagged = office.issue_directive(co_units=[], level="flagged")
    office.register_and_assign(flagged)
    assert office.view(flagged)["level"] == "flagged"
    assert fired(site, clock, "2026-03-16 18:00") == []
    # from 3 working days before Friday the 20th, every morning
    for day, seq in (("17", 0), ("18", 1), ("19", 2), ("20", 3)):
        assert fired(site, clock, f"2026-03-{day} 09:00") == [("remind", seq, ["finance.head"])]
    # at the due time: the due notice and, at once, a yellow card to the instructing leader
    assert fired(site, clock, "2026-03-20 18:00") == [("due", 0, ["finance.head"]),
                                                      ("escalate", 0, ["finance.head", "leader"])]
    v = office.view(flagged)
    assert v["card"] == "yellow"
    assert any("到期未办结，亮黄牌，升级至" in t for t in office.timeline(flagged))
    assert fired(site, clock, "2026-03-23 18:00") == [("chase", 1, ["finance.head"])]  # then daily chases


def test_a_normal_directive_keeps_the_plain_rules_and_an_urgent_one_is_key(office, site, clock):
    plain = office.issue_directive(co_units=[])
    urgent = office.issue_directive(co_units=[], priority="urgent")
    for item in (plain, urgent):
        office.register_and_assign(item)
    assert office.view(plain)["level"] == "normal" and office.view(urgent)["level"] == "key"  # 紧急 → 重点
    assert fired(site, clock, "2026-03-17 09:00") == []  # no daily reminders for them
    assert fired(site, clock, "2026-03-20 18:00") == [("due", 0, ["finance.head"]), ("due", 0, ["finance.head"])]
    assert office.view(plain)["card"] == "none"  # no card at the due time: the first comes 3 working days late


def test_a_leaderless_flagged_directive_escalates_to_the_leaders(office, site, clock):
    item = office.issue_directive(co_units=[], level="flagged", leader=None)
    office.register_and_assign(item)
    escalations = [g for g in fired(site, clock, "2026-03-20 18:00") if g[0] == "escalate"]
    assert [(k, s) for k, s, _ in escalations] == [("escalate", 1)]  # the rule for items without a leader
    assert any("到期未办结，亮黄牌，升级至领导" in t for t in office.timeline(item))


def test_a_missed_milestone_turns_the_light_yellow(office, site, clock):
    item = office.issue_directive(co_units=[], title="落实安全生产大检查",
                                  milestones=[{"title": "完成现场检查", "due": "2026-03-03"}])
    other = office.issue_directive(co_units=[], title="整改消防通道", lead_unit="hr")
    for i in (item, other):
        office.register_and_assign(i)
    clock.set(at("2026-03-03 10:00"))
    assert office.view(item)["light"]["light"] == "green"  # the milestone is due today: not missed yet
    clock.set(at("2026-03-04 10:00"))  # the day after, not reported done (engine.reads.checkpoints.missed)
    light = office.view(item)["light"]
    assert light["light"] == "yellow" and light["reason"]["zh"] == "节点“完成现场检查”未按期完成"
    assert office.view(other)["light"]["light"] == "green"
    # 我的待办 shows it beside the lead's task
    mine = [t for t in item_reads.my_tasks(site, "finance.head") if t["instance_id"] == item]
    assert mine and mine[0]["light"]["label"] == {"zh": "黄灯", "en": "Yellow"}
    # the ledger's 亮灯 column says it in words
    rows = {r["id"]: r for r in supervision.ledger(site, login="clerk")}
    assert rows[item]["light"] == "黄灯（节点“完成现场检查”未按期完成）" and rows[item]["light_code"] == "yellow"
    assert rows[other]["light"] == "绿灯（正常推进）"
    # the board counts lights by unit and level, and filters by light
    board = supervision.summary(site, login="leader")["lights"]
    assert board["total"] == {"green": 1, "yellow": 1, "red": 0}
    assert {u["unit"]: (u["green"], u["yellow"]) for u in board["by_unit"]} == {"finance": (0, 1), "hr": (1, 0)}
    assert [(lv["level"], lv["yellow"], lv["green"]) for lv in board["by_level"]] == [
        ("normal", 1, 1), ("key", 0, 0), ("flagged", 0, 0)]
    yellow = supervision.ledger(site, login="clerk", filters=supervision.Filters(light="yellow"))
    assert [r["id"] for r in yellow] == [item]


def test_an_overdue_item_is_red_and_a_closed_one_has_no_light(office, site, clock):
    item = office.issue_directive(co_units=[], level="key")
    office.register_and_assign(item)
    clock.set(at("2026-03-24 10:00"))
    light = office.view(item)["light"]
    assert light["light"] == "red" and light["reason"]["zh"] == "已超期 2 个工作日"
    assert [r["id"] for r in supervision.ledger(site, login="clerk", filters=supervision.Filters(level="key"))] \
        == [item]
    assert supervision.ledger(site, login="clerk", filters=supervision.Filters(level="flagged")) == []
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "complete", on="finance", report="已办结")
    office.do("clerk", item, "verify", "approve")
    assert office.view(item)["state"] == "completed" and office.view(item)["light"] is None


def test_simulate_shows_the_level_dependent_chases():
    from engine.cli.simulate import simulate_text
    from engine.parser.loader import definitions_dir
    path = str(definitions_dir() / "directive.yaml")
    flagged = simulate_text(path, start="2026-03-02T09:00", due="2026-03-20", subject=["level=flagged"])
    plain = simulate_text(path, start="2026-03-02T09:00", due="2026-03-20", subject=["level=normal"])
    assert "level=flagged" in flagged.splitlines()[0]
    assert [line[:18].strip() for line in flagged.splitlines() if "到期提醒" in line] == [
        "2026-03-17 09:00", "2026-03-18 09:00", "2026-03-19 09:00", "2026-03-20 09:00"]
    assert "2026-03-20 18:00  人力资源部：到期未办结，亮黄牌，升级至领导" in flagged
    assert sum("到期提醒" in line for line in plain.splitlines()) == 1 and "到期未办结，亮黄牌" not in plain
    assert "2026-03-25 18:00  人力资源部：超期 3 个工作日，亮黄牌，升级至办公室主任" in plain  # a normal item's first card: 3 working days late
