"""A leader's directive through the office's week: assign, sign, co-handle, complete, verify, close."""
from __future__ import annotations

import threading

import pytest

from engine.core.states import Conflict, InputError, NotAllowed

from tests.support.clock import at


def test_directive_from_issue_to_close(office, clock):
    item = office.issue_directive()
    office.register_and_assign(item)
    handle = office.tasks(item, "handle")
    assert [(t["part"], t["holder"]) for t in handle] == [
        ("lead", {"unit": "finance"}), ("co", {"unit": "hr"}), ("co", {"unit": "it"})]
    assert all(t["state"] == "pending" for t in handle)
    assert handle[0]["due_at"] == at("2026-03-20 18:00")

    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "transfer", on="finance", to="finance.staff1", reason="请郑会计具体承办")
    office.do("finance.staff1", item, "handle", "accept", on="finance.staff1")
    office.do("finance.staff1", item, "handle", "progress", on="finance.staff1", text="已完成自查", percent=40)
    with pytest.raises(NotAllowed) as refused:
        office.do("finance.staff1", item, "handle", "complete", on="finance.staff1", report="完成")
    assert "0 个已反馈" in refused.value.zh

    for unit in ("hr", "it"):
        office.do(f"{unit}.head", item, "handle", "accept", on=unit)
        office.do(f"{unit}.head", item, "handle", "complete", on=unit, opinion=f"{unit} 同意方案")
    office.do("finance.staff1", item, "handle", "complete", on="finance.staff1", report="检查完毕，报告附后")
    office.do("clerk", item, "verify", "approve", comment="材料齐全")

    v = office.view(item)
    assert v["state"] == "completed"
    assert v["serial"] == "督〔2026〕1号"
    assert v["progress"] == "检查完毕，报告附后"
    assert [e["kind"] for e in v["entries"]] == ["progress", "opinion", "opinion", "report"]
    assert office.kinds(item) == [
        "start", "enter", "submit", "enter", "assign", "enter", "accept", "transfer", "accept", "progress",
        "accept", "opinion", "accept", "opinion", "complete", "enter", "approve", "end",
        "rating_requested"]  # 办结评价: the leader is asked to rate it


def test_transfer_keeps_the_deadline(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "transfer", on="finance", to="service", reason="属客服部职责")
    lead = [t for t in office.tasks(item, "handle") if t["state"] == "pending"][0]
    assert lead["holder"] == {"unit": "service"}
    assert lead["due_at"] == at("2026-03-20 18:00")
    assert office.view(item)["assignment"]["lead"] == {"unit": "service"}


def test_return_to_sender_after_a_transfer(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "transfer", on="finance", to="it", reason="系统问题")
    office.do("it.head", item, "handle", "return", on="it", reason="不属我部职责")
    back = [t for t in office.tasks(item, "handle") if t["state"] in ("pending", "active")]
    assert [t["holder"] for t in back] == [{"unit": "finance"}]
    assert "退回给 财务部：不属我部职责" in office.timeline(item)[-1]


def test_lead_returns_the_item_to_be_assigned_again(office):
    item = office.issue_directive()
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "return", on="finance", reason="应由人力资源部主办")
    assert office.view(item)["current_step"] == "assign"
    assert all(t["state"] != "pending" for t in office.tasks(item, "handle"))
    office.do("office", item, "assign", "assign", lead="hr", co=["finance"], due="2026-03-25")
    assert [t["holder"] for t in office.tasks(item, "handle") if t["state"] == "pending"] == [
        {"unit": "hr"}, {"unit": "finance"}]


def test_add_and_remove_cohandlers(office):
    item = office.issue_directive(co_units=["hr"])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "add_cohandler", on="finance", unit="service")
    assert office.view(item)["assignment"]["co"] == ["hr", "service"]
    office.do("finance.head", item, "handle", "remove_cohandler", on="finance", unit="hr")
    open_co = [t["holder"]["unit"] for t in office.tasks(item, "handle") if t["part"] == "co" and t["state"] == "pending"]
    assert open_co == ["service"]
    with pytest.raises(InputError):
        office.do("finance.head", item, "handle", "add_cohandler", on="finance", unit="service")


def test_extension_approved_moves_the_due_date_and_refused_keeps_it(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-03-31",
              reason="需等待审计结果")
    with pytest.raises(NotAllowed):  # one request at a time
        office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-04-03",
                  reason="再延")
    office.do("office", item, "handle", "approve", kind="extension", comment="同意")
    lead = office.tasks(item, "handle")[0]
    assert lead["due_at"] == at("2026-03-31 18:00")
    assert office.view(item)["due_at"] == at("2026-03-31 18:00")

    office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-04-15", reason="再延")
    office.do("office", item, "handle", "reject", kind="extension", comment="不得再延期")
    assert office.tasks(item, "handle")[0]["due_at"] == at("2026-03-31 18:00")
    assert office.kinds(item)[-1] == "extension_rejected"


def test_extension_must_be_later_than_the_due_date(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    with pytest.raises(InputError) as e:
        office.do("finance.head", item, "handle", "request_extension", on="finance", new_due="2026-03-10", reason="x")
    assert e.value.field == "new_due"


def test_verification_rejected_loops_back_to_handling(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "complete", on="finance", report="已完成")
    office.do("clerk", item, "verify", "reject", comment="缺少整改清单")
    v = office.view(item)
    assert v["current_step"] == "handle"
    again = [t for t in v["tasks"] if t["step"] == "handle" and t["state"] == "pending"]
    assert len(again) == 1 and again[0]["holder"] == {"unit": "finance"}
    assert "审核退回至“承办”：缺少整改清单" in office.timeline(item)[-2]


def test_reject_needs_a_comment(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "complete", on="finance", report="已完成")
    with pytest.raises(InputError) as e:
        office.do("clerk", item, "verify", "reject")
    assert e.value.field == "comment"


def test_the_issuer_cancels(office):
    item = office.issue_directive()
    office.register_and_assign(item)
    with pytest.raises(NotAllowed):
        office.do("finance.head", item, "handle", "cancel", on="finance", reason="不想办")
    office.do("leader", item, "handle", "cancel", on="finance", reason="情况已变化")
    v = office.view(item)
    assert v["state"] == "cancelled"
    assert {t["state"] for t in v["tasks"] if t["step"] == "handle"} == {"cancelled"}


def test_staff_cannot_act_on_another_units_task(office):
    item = office.issue_directive()
    office.register_and_assign(item)
    with pytest.raises(NotAllowed):
        office.do("hr.staff1", item, "handle", "accept", on="finance")
    with pytest.raises(NotAllowed):
        office.do("it.head", item, "handle", "accept", on="finance")


def test_two_people_act_on_one_task_at_once_one_wins(office, site):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    task = office.task(item, "handle", on="finance")
    version = office.view(item)["tasks"][-1]["version"]
    results, barrier = [], threading.Barrier(2)

    def act(text):
        barrier.wait()
        try:
            site.act(task, "accept", "finance.head", {}, expected_version=version)
            results.append("ok")
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=act, args=(n,)) for n in ("a", "b")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["conflict", "ok"]
    assert office.kinds(item).count("accept") == 1


def test_the_assign_step_is_prefilled_from_the_issuers_choice(office):
    item = office.issue_directive(lead_unit="hr", co_units=["it"], due="2026-04-10")
    office.do("clerk", item, "register", "submit")
    assign = office.tasks(item, "assign")[0]
    assert assign["data"]["prefill"] == {"lead": "hr", "co": ["it"], "due": "2026-04-10"}
    names = [a["name"] for a in assign["actions"]]
    assert names == []  # no viewer: no actions


def test_a_due_date_beyond_2100_is_a_typing_slip(office):
    item = office.issue_directive()
    office.do("clerk", item, "register", "submit")
    with pytest.raises(InputError) as e:
        office.do("office", item, "assign", "assign", lead="finance", due="9999-12-31")
    assert e.value.field == "due"


def test_an_item_handed_to_a_staff_member_stays_filed_under_the_unit(office, site):
    import sqlalchemy as sa
    from engine.store import db
    from engine.store.tables import Instance

    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "transfer", on="finance", to="finance.staff1", reason="具体承办")
    with db.read(site.eng) as c:
        lead_unit = c.execute(sa.select(Instance.__table__.c.lead_unit).where(Instance.__table__.c.id == item)).scalar()
    assert lead_unit == "finance"
