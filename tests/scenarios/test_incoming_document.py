"""An incoming document (收文): register, propose, the leader's instruction, dispatch, handling, archive."""
from __future__ import annotations

import pytest

from engine.reads import items as queries
from engine.core.states import NotFound


def receive(site, **subject):
    subject = {"title": "关于开展数据安全检查的通知", "sender": "市数据局", "doc_number": "市数〔2026〕12号",
               "received_on": "2026-03-02", "due": "2026-03-20", "urgency": "urgent", **subject}
    return site.start("incoming_document", subject, "clerk")


def test_a_document_from_registration_to_the_archive(office, site):
    doc = receive(site)
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead="it", co=["office", "finance"], due="2026-03-20")
    office.do("leader", doc, "instruct", "agree", opinion="同意拟办意见")
    dispatch = office.tasks(doc, "dispatch")[0]
    assert dispatch["data"]["prefill"] == {"lead": "it", "co": ["office", "finance"]}
    office.do("clerk", doc, "dispatch", "transfer", lead="it", co=["office", "finance"])
    for unit in ("it", "office", "finance"):
        office.do(f"{unit}.head" if unit != "office" else "office", doc, "handle", "accept", on=unit)
    office.do("office", doc, "handle", "complete", on="office", opinion="同意")
    office.do("finance.head", doc, "handle", "complete", on="finance", opinion="经费已落实")
    office.do("it.head", doc, "handle", "complete", on="it", report="已完成检查")
    office.do("clerk", doc, "archive", "submit")
    v = office.view(doc)
    assert v["state"] == "archived"
    assert v["serial"] == "收〔2026〕1号"
    assert office.kinds(doc)[-1] == "end"


def test_the_leader_asks_for_a_new_proposal(office, site):
    doc = receive(site)
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead="it", due="2026-03-20")
    office.do("leader", doc, "instruct", "redo", opinion="请财务部主办")
    assert office.view(doc)["current_step"] == "propose"
    office.do("office", doc, "propose", "assign", lead="finance", due="2026-03-20")
    assert office.view(doc)["current_step"] == "instruct"


def test_a_confidential_document_is_seen_only_by_those_involved(office, site):
    doc = receive(site, confidential=True)
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead="it", due="2026-03-20")
    office.do("leader", doc, "instruct", "agree")
    office.do("clerk", doc, "dispatch", "transfer", lead="it")
    assert queries.item_view(site, doc, "it.staff1")["confidential"] is True
    with pytest.raises(NotFound):
        queries.item_view(site, doc, "hr.staff1")
    with pytest.raises(NotFound):
        queries.item_view(site, doc, "admin")
    public = receive(site, title="普通来文")
    assert queries.item_view(site, public, "leader")["title"] == "普通来文"


def test_bad_subjects_are_refused_with_the_field_named(site):
    from engine.core.states import InputError

    with pytest.raises(InputError) as e:
        receive(site, received_on="三月二日")
    assert e.value.field == "received_on"
    with pytest.raises(InputError) as e:
        receive(site, urgency="whenever")
    assert e.value.field == "urgency"
    with pytest.raises(InputError) as e:
        receive(site, title="")
    assert e.value.field == "title"
    with pytest.raises(InputError) as e:
        receive(site, colour="red")
    assert e.value.field == "colour"
