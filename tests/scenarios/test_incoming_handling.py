"""The incoming document's handling step behaves like the directive's: transfers keep the deadline,
returns go back to the sender, extensions, co-handler changes, cancellation and concurrent actions."""
from __future__ import annotations

import threading

import pytest

from engine.core.states import Conflict, NotAllowed

from tests.support.clock import at


@pytest.fixture
def doc(office, site):
    item = site.start("incoming_document", {"title": "关于报送统计数据的通知", "sender": "市统计局",
                                            "received_on": "2026-03-02", "due": "2026-03-13"}, "clerk")
    office.do("clerk", item, "register", "submit")
    office.do("office", item, "propose", "assign", lead="finance", co=["hr"], due="2026-03-13")
    office.do("leader", item, "instruct", "agree", opinion="同意")
    office.do("clerk", item, "dispatch", "transfer", lead="finance", co=["hr"])
    return item


def open_holders(office, item):
    return [t["holder"] for t in office.tasks(item, "handle") if t["state"] in ("pending", "active")]


def test_transfer_keeps_the_deadline_and_return_goes_back_to_the_sender(office, doc):
    office.do("finance.head", doc, "handle", "transfer", on="finance", to="service", reason="属客服部")
    moved = [t for t in office.tasks(doc, "handle") if t["holder"] == {"unit": "service"}][0]
    assert moved["due_at"] == at("2026-03-13 18:00")
    office.do("service.head", doc, "handle", "return", on="service", reason="不属我部")
    assert open_holders(office, doc) == [{"unit": "hr"}, {"unit": "finance"}]


def test_add_and_remove_a_cohandler(office, doc):
    office.do("finance.head", doc, "handle", "accept", on="finance")
    office.do("finance.head", doc, "handle", "add_cohandler", on="finance", unit="it")
    office.do("finance.head", doc, "handle", "remove_cohandler", on="finance", unit="hr")
    assert open_holders(office, doc) == [{"unit": "finance"}, {"unit": "it"}]


def test_extension_approved_then_refused(office, doc):
    office.do("finance.head", doc, "handle", "accept", on="finance")
    office.do("finance.head", doc, "handle", "request_extension", on="finance", new_due="2026-03-20", reason="数据未齐")
    office.do("office", doc, "handle", "approve", kind="extension")
    office.do("finance.head", doc, "handle", "request_extension", on="finance", new_due="2026-03-31", reason="再延")
    office.do("office", doc, "handle", "reject", kind="extension", comment="不同意")
    lead = [t for t in office.tasks(doc, "handle") if t["part"] == "lead"][0]
    assert lead["due_at"] == at("2026-03-20 18:00")
    co = [t for t in office.tasks(doc, "handle") if t["part"] == "co"][0]
    assert co["due_at"] == at("2026-03-20 18:00")  # co-handlers work to the lead's deadline


def test_the_registering_clerk_cancels(office, doc):
    with pytest.raises(NotAllowed):
        office.do("leader", doc, "handle", "cancel", on="finance", reason="不办了")
    office.do("clerk", doc, "handle", "cancel", on="finance", reason="来文单位已撤回")
    assert office.view(doc)["state"] == "cancelled"


def test_two_heads_acting_on_one_task_at_once(office, site, doc):
    task = office.task(doc, "handle", on="finance")
    version = [t for t in office.tasks(doc, "handle") if t["id"] == task][0]["version"]
    results, barrier = [], threading.Barrier(2)

    def act(action, data):
        barrier.wait()
        try:
            site.act(task, action, "finance.head", data, expected_version=version)
            results.append(action)
        except Conflict:
            results.append("conflict")

    threads = [threading.Thread(target=act, args=a) for a in (("accept", {}),
                                                              ("transfer", {"to": "it", "reason": "转信息部"}))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert results.count("conflict") == 1
    kinds = office.kinds(doc)
    assert kinds.count("accept") + kinds.count("transfer") == 1
