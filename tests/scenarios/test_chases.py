"""Time acts: reminders before due, the notice at due, daily chases, yellow and red cards — on a manual clock."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from engine.store import db
from engine.store.tables import Notification, Timer
from engine.core import checkpoints
from engine.runtime.sweep import sweep

from tests.support.clock import at


def own(fired):
    """The task's own timers: the Friday reports (定期反馈) and milestones (节点) are tests/scenarios/test_checkpoints'."""
    return [f for f in fired if f.kind not in checkpoints.KINDS]


def fired(site, clock, when):
    clock.set(at(when))
    return sorted((f.kind, f.seq, sorted(f.recipients)) for f in own(sweep(site).fired))


def notes(site, person):
    with db.read(site.eng) as c:
        t = Notification.__table__
        return [r.body for r in c.execute(sa.select(t.c.body).where(t.c.person == person).order_by(t.c.id))]


def test_a_directive_due_before_the_spring_festival_is_chased_across_the_break(office, site, clock):
    clock.set(at("2026-02-09 10:00"))
    item = office.issue_directive(co_units=[], due="2026-02-13")  # Friday before the break
    office.register_and_assign(item)
    lead = "finance"
    assert fired(site, clock, "2026-02-10 08:59") == []
    # 2 working days before Fri 13th: Wed 11th at the opening of office
    assert fired(site, clock, "2026-02-11 09:00") == [("remind", 0, ["finance.head"])]
    assert fired(site, clock, "2026-02-13 18:00") == [("due", 0, ["finance.head"])]
    # Sat 14th is a make-up working day (调休): the first chase comes at its close
    assert fired(site, clock, "2026-02-14 18:00") == [("chase", 1, ["finance.head"])]
    # the break (15th–23rd): nothing fires
    assert fired(site, clock, "2026-02-23 23:59") == []
    assert fired(site, clock, "2026-02-24 18:00") == [("chase", 2, ["finance.head"])]
    # 3 overdue working days (14th, 24th, 25th): yellow card to the office director
    assert fired(site, clock, "2026-02-25 18:00") == [
        ("chase", 3, ["finance.head"]), ("escalate", 0, ["finance.head", "office"])]
    assert fired(site, clock, "2026-02-26 18:00") == [("chase", 4, ["finance.head"])]
    # 5 overdue working days: red card to the leader
    assert fired(site, clock, "2026-02-27 18:00") == [
        ("chase", 5, ["finance.head"]), ("escalate", 1, ["finance.head", "leader"])]
    v = office.view(item)
    assert v["card"] == "red"
    assert [t for t in v["tasks"] if t["step"] == "handle"][0]["chase_count"] == 5
    # the chase says what to do and by when, in words, and ends with its one-tap link
    said = "【催办】《落实安全生产大检查》已超期 2 个工作日（办理时限 2026年2月13日（星期五）18:00），请于 2026年2月24日（星期二）前反馈进展。"
    assert any(n.startswith(said + "\n办理链接：/go/") for n in notes(site, "finance.head"))
    assert lead in v["assignment"]["lead"].values()


def test_a_second_sweep_at_the_same_moment_fires_nothing(office, site, clock):
    item = office.issue_directive(co_units=["hr"])
    office.register_and_assign(item)
    clock.set(at("2026-03-18 09:00"))
    first = sweep(site)
    assert [f.kind for f in own(first.fired)] == ["remind", "remind"]
    assert sweep(site).fired == []


def test_completing_the_task_cancels_its_timers(office, site, clock):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "complete", on="finance", report="提前办结")
    clock.set(at("2026-04-30 18:00"))
    assert sweep(site).fired == []
    with db.read(site.eng) as c:
        states = set(c.execute(sa.select(Timer.__table__.c.state)).scalars())
    assert states == {"cancelled"}


def test_an_approved_extension_supersedes_the_old_timers(office, site, clock):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-03-31", reason="等待审计")
    office.do("office", item, "handle", "approve", kind="extension")
    assert fired(site, clock, "2026-03-20 18:00") == []  # the old due time no longer fires
    assert fired(site, clock, "2026-03-27 09:00") == [("remind", 0, ["finance.head"])]  # 2 working days before 31st


def test_manual_chase_has_a_minimum_interval(office, site, clock):
    import pytest
    from engine.core.states import NotAllowed

    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("clerk", item, "handle", "chase", on="finance", message="请尽快签收")
    office.advance(hours=3)
    with pytest.raises(NotAllowed) as refused:
        office.do("clerk", item, "handle", "chase", on="finance", message="再次催办")
    assert "2026-03-03 18:00 后可再次催办" in refused.value.zh
    clock.set(at("2026-03-03 18:01"))
    office.do("clerk", item, "handle", "chase", on="finance", message="再次催办")
    assert notes(site, "finance.head")[-1].split("\n")[0].endswith("再次催办")


def test_digest_mode_sends_one_message_listing_every_due_item(office, site, clock):
    with db.write(site.eng) as c:
        from engine.store.tables import Person
        c.execute(Person.__table__.update().where(Person.__table__.c.login == "finance.head").values(digest=True))
    site.reload()
    a = office.issue_directive(title="事项甲", co_units=[])
    b = office.issue_directive(title="事项乙", co_units=[])
    office.register_and_assign(a)
    office.register_and_assign(b)
    before = len(notes(site, "finance.head"))
    clock.set(at("2026-03-18 09:00"))
    sweep(site)
    new = notes(site, "finance.head")[before:]
    assert len(new) == 1 and "事项甲" in new[0] and "事项乙" in new[0]


# ---------------------------------------------------------------- promise 1: the chase chain never stops while overdue

def daily(site, clock, *days):
    """Sweep at the close of office on each day; what fired each day."""
    return {d: fired(site, clock, f"{d} 18:00") for d in days}


def test_a_task_transferred_after_its_due_time_keeps_being_chased(office, site, clock):
    item = office.issue_directive(co_units=[])  # due Fri 2026-03-20
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    assert fired(site, clock, "2026-03-18 09:00") == [("remind", 0, ["finance.head"])]
    assert fired(site, clock, "2026-03-20 18:00") == [("due", 0, ["finance.head"])]
    assert fired(site, clock, "2026-03-23 18:00") == [("chase", 1, ["finance.head"])]
    clock.set(at("2026-03-24 10:00"))
    office.do("finance.head", item, "handle", "transfer", on="finance", to="service", reason="属客服部职责")
    assert daily(site, clock, "2026-03-24", "2026-03-25") == {
        "2026-03-24": [("chase", 2, ["service.head"])],  # the count goes on from the finance department's chase
        "2026-03-25": [("chase", 3, ["service.head"]), ("escalate", 0, ["office", "service.head"])]}
    # sent back to finance, still overdue: chased there too
    clock.set(at("2026-03-26 09:00"))
    office.do("service.head", item, "handle", "return", on="service", reason="不属我部职责")
    assert fired(site, clock, "2026-03-26 18:00") == [("chase", 4, ["finance.head"])]
    assert office.view(item)["card"] == "yellow"


def test_rework_after_a_rejected_verification_keeps_the_chases_and_the_red_card(office, site, clock):
    item = office.issue_directive(co_units=[])  # due Fri 2026-03-20
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    days = daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26", "2026-03-27")
    assert days["2026-03-27"] == [("chase", 5, ["finance.head"]), ("escalate", 1, ["finance.head", "leader"])]
    clock.set(at("2026-03-30 09:00"))
    office.do("finance.head", item, "handle", "complete", on="finance", report="已完成")
    office.do("clerk", item, "verify", "reject", comment="缺少整改清单")
    assert office.view(item)["card"] == "red"  # the card stays through rework
    assert daily(site, clock, "2026-03-30", "2026-03-31") == {
        "2026-03-30": [("chase", 6, ["finance.head"])], "2026-03-31": [("chase", 7, ["finance.head"])]}
    assert office.view(item)["card"] == "red"


def test_an_approved_extension_past_the_due_time_lowers_the_card_and_the_chases_resume_if_late_again(
        office, site, clock):
    item = office.issue_directive(co_units=[])  # due Fri 2026-03-20
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26",
          "2026-03-27")
    def cards():
        v = office.view(item)
        return v["card"], [t["card"] for t in v["tasks"] if t["step"] == "handle" and t["kind"] == "work"]

    assert cards() == ("red", ["red"])
    clock.set(at("2026-03-30 09:00"))
    office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-04-10", reason="等待审计")
    office.do("office", item, "handle", "approve", kind="extension")
    assert cards() == ("none", ["none"])
    assert fired(site, clock, "2026-03-30 18:00") == []  # no longer overdue: no chase
    assert fired(site, clock, "2026-04-08 09:00") == [("remind", 0, ["finance.head"])]
    assert fired(site, clock, "2026-04-10 18:00") == [("due", 0, ["finance.head"])]
    assert fired(site, clock, "2026-04-13 18:00") == [("chase", 6, ["finance.head"])]  # five were sent before


def test_an_extension_of_a_task_not_yet_overdue_leaves_a_card_of_another_late_task(office, site, clock):
    item = office.issue_directive(co_units=["hr"])
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-03-25")
    assert office.view(item)["card"] == "yellow"
    clock.set(at("2026-03-26 09:00"))
    office.do("hr.head", item, "handle", "accept", on="hr")
    office.do("hr.head", item, "handle", "request_extension", on="hr", new_due="2026-04-10", reason="等待审计")
    office.do("office", item, "handle", "approve", kind="extension")
    assert office.view(item)["card"] == "yellow"  # the lead's task is still overdue


def test_a_task_reassigned_by_a_timeout_after_its_due_time_keeps_being_chased(office, site, clock, tmp_path):
    from engine.parser.loader import definitions_dir
    from engine.runtime.boot import register_definitions

    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8").replace("version: 2", "version: 3")
    text += "    on_timeout: {after_overdue: 2 working days, action: reassign, to: role:office_director}\n"
    (tmp_path / "directive.yaml").write_text(text, encoding="utf-8")
    register_definitions(site, [tmp_path / "directive.yaml"])
    item = office.issue_directive(co_units=[])  # due Fri 2026-03-20
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20")
    assert fired(site, clock, "2026-03-23 18:00") == [("chase", 1, ["finance.head"])]
    # two working days overdue: the office director takes it over; finance's own next chase is void
    assert fired(site, clock, "2026-03-24 18:00") == [("timeout", 0, ["finance.head", "office"])]
    assert fired(site, clock, "2026-03-25 18:00") == [("chase", 2, ["office"]), ("escalate", 0, ["office"])]
    assert fired(site, clock, "2026-03-26 18:00") == [("chase", 3, ["office"])]
    assert office.view(item)["card"] == "yellow"
