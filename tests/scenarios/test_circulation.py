"""传阅: a notice from the city government goes round the leaders and units for reading (阅件), apart from work."""
from __future__ import annotations

import hashlib

import pytest

from engine.core.states import NotAllowed, NotFound, is_overdue, item_overdue
from engine.reads import items as queries, lists as listing, supervision
from engine.runtime import attachments, circulation
from engine.runtime.people import add_person
from engine.store import db, definitions as definition_store, items as item_store
from tests.api.test_attachments_server import scanned_pdf

NOTICE = {"title": "关于做好春节期间安全工作的通知", "sender": "市人民政府办公室", "doc_number": "市政办〔2026〕5号",
          "received_on": "2026-03-02", "urgency": "urgent"}


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    return tmp_path


def attach(site, doc: int, login: str, name: str, folder) -> int:
    """`login` uploads a one-page PDF to the document (as the page's file picker does); its id."""
    body = scanned_pdf("Signed reading note")
    path = folder / name
    path.write_bytes(body)
    got = attachments.Received(path=path, size=len(body), sha256=hashlib.sha256(body).hexdigest())
    return attachments.accept(site, instance_id=doc, login=login, name=name, note=None, got=got)["id"]


def deputies(site):
    for login, name, en in (("deputy1", "张副局长", "Deputy Zhang"), ("deputy2", "刘副局长", "Deputy Liu")):
        add_person(site, by=None, data={"login": login, "name": name, "name_en": en, "unit": "office",
                                        "roles": ["leader"]})


def notice_at_proposal(office, site):
    doc = site.start("incoming_document", NOTICE, "clerk")
    office.do("clerk", doc, "register", "submit")
    return doc


def reading(office, doc, who):
    return [t for t in office.tasks(doc) if t["kind"] == "reading" and t["holder"] == who]


def test_a_notice_read_in_order_by_three_leaders_and_two_units(office, site, files_dir):
    """The office director circulates the notice in order; each reader's 阅件 arrives when the one before has read
    it; opening the item records 已阅; one leader adds a reading note; the clerk chases the last reader."""
    deputies(site)
    doc = notice_at_proposal(office, site)
    office.do("office", doc, "propose", "circulate", to=["leader", "deputy1", "deputy2", "hr", "finance"],
              note="请各位领导阅示", order="sequential", due="2026-03-06", allow_pass_on=False)
    sheet = office.view(doc)["circulation"]
    assert [(r["reader"], r["state"]) for r in sheet] == [
        ("王局长", "unread"), ("张副局长", "queued"), ("刘副局长", "queued"), ("人力资源部", "queued"),
        ("财务部", "queued")]
    mine = queries.my_tasks(site, "leader")
    assert [(t["kind"], t["kind_label"]["zh"]) for t in mine if t["instance_id"] == doc] == [("reading", "阅件")]
    assert queries.my_tasks(site, "deputy1") == []  # in order: not yet theirs

    assert circulation.read_on_opening(site, "leader", doc)  # the leader opens the item: 已阅
    assert circulation.read_on_opening(site, "leader", doc) == []  # opening it again records nothing more
    scan = attach(site, doc, "deputy1", "张副局长阅批.pdf", files_dir)  # the deputy's note comes with the signed page
    office.do("deputy1", doc, "propose", "read_note", kind="reading", on="deputy1", text="已阅，请办公室抓好落实",
              attachments=[scan])
    [note] = [e for e in office.view(doc)["entries"] if e["kind"] == "reading_note"]
    assert [f["name"] for f in note["attachments"]] == ["张副局长阅批.pdf"]
    assert circulation.read_on_opening(site, "deputy2", doc)
    assert circulation.read_on_opening(site, "hr.head", doc)
    last = office.task(doc, "propose", on="finance", kind="reading")

    office.advance(days=1)
    site.act(last, "chase", "clerk", {"message": "请尽快阅"})
    with pytest.raises(NotAllowed) as e:  # the same minimum interval as 催办
        site.act(last, "chase", "clerk", {"message": "再催"})
    assert "催办" in e.value.zh
    sheet = office.view(doc)["circulation"]
    assert [r["state"] for r in sheet] == ["read", "read", "read", "read", "unread"]
    assert sheet[1]["notes"][0]["text"] == "已阅，请办公室抓好落实" and sheet[0]["read_at"]
    assert "王局长已阅" in office.timeline(doc)

    office.advance(days=10)  # past the read-by date: a reading task is never overdue work
    with db.read(site.eng) as conn:
        item = item_store.load_item(conn=conn, item_id=doc, definition_of=site.definition)
    late = [t for t in item.tasks if t.kind == "reading" and is_overdue(t.state, t.due_at, site.clock.now())]
    assert late and not item_overdue(item.state, late, site.clock.now())
    assert circulation.read_on_opening(site, "finance.head", doc)
    assert [r["state"] for r in office.view(doc)["circulation"]] == ["read"] * 5


def test_a_reader_passes_it_on_and_the_circulation_is_recalled(office, site):
    doc = notice_at_proposal(office, site)
    office.do("leader", doc, "propose", "circulate", to=["office.head", "hr"], allow_pass_on=True)
    office.do("hr.head", doc, "propose", "pass_on", kind="reading", on="hr", to=["hr.staff1"])
    assert [r["state"] for r in office.view(doc)["circulation"]] == ["unread", "read", "unread"]
    with pytest.raises(NotAllowed):  # a reader may not recall the circulation
        site.act(office.task(doc, "propose", on="office.head", kind="reading"), "recall_circulation", "hr.staff1", {})
    site.act(office.task(doc, "propose", on="office.head", kind="reading"), "recall_circulation", "leader",
             {"reason": "文件已过时"})
    assert [r["state"] for r in office.view(doc)["circulation"]] == ["recalled", "read", "recalled"]
    assert queries.my_tasks(site, "hr.staff1") == []
    assert office.view(doc)["current_step"] == "propose"  # the director's own work goes on
    assert office.task(doc, "propose")


def test_a_reading_proposal_recalled_comes_back_to_the_office_director(office, site):
    doc = notice_at_proposal(office, site)
    office.do("office", doc, "propose", "circulate", to=["leader"])
    site.act(office.task(doc, "propose", on="leader", kind="reading"), "recall_circulation", "office",
             {"reason": "改为办件"})
    office.do("office", doc, "propose", "assign", lead="it", due="2026-03-20")
    assert office.view(doc)["current_step"] == "instruct"


def test_a_document_handled_with_a_copy_to_the_finance_head(office, site):
    """抄送: the office director dispatches the work and copies the finance head, who sees it but may do nothing."""
    doc = notice_at_proposal(office, site)
    with pytest.raises(NotFound):
        queries.item_view(site, doc, "finance.head")
    office.do("office", doc, "propose", "assign", lead="it", due="2026-03-20", cc=["finance.head"])
    seen = queries.item_view(site, doc, "finance.head")
    assert [c["name"] for c in seen["copies"]] == ["吴部长"]
    assert all(t["actions"] == [] or [a["name"] for a in t["actions"]] == ["comment"] for t in seen["tasks"])
    assert not [t for t in queries.my_tasks(site, "finance.head") if t["instance_id"] == doc]
    assert "抄送：吴部长" in office.timeline(doc)
    assert "cc" in [n["kind"] for n in listing.notifications(site, login="finance.head")]


def test_a_confidential_document_copied_is_seen_by_the_copied_only(office, site):
    doc = site.start("incoming_document", {**NOTICE, "confidential": True}, "clerk")
    office.do("clerk", doc, "register", "submit", cc=["hr.staff1"])
    assert queries.item_view(site, doc, "hr.staff1")["confidential"] is True
    with pytest.raises(NotFound):
        queries.item_view(site, doc, "hr.staff2")


def test_a_notice_proposed_as_reading_is_archived_when_all_have_read(office, site):
    """阅件 at 拟办: the office director circulates the notice to the leader and two units instead of proposing
    work; the item waits for the readers and is archived once the last has read."""
    doc = notice_at_proposal(office, site)
    office.do("office", doc, "propose", "circulate", to=["leader", "hr", "finance"], note="拟请王局长阅，人力资源部、财务部知悉")
    v = office.view(doc)
    assert v["state"] == "running" and not [t for t in v["tasks"] if t["kind"] == "work" and t["state"] == "active"]
    for who in ("leader", "hr.head"):
        circulation.read_on_opening(site, who, doc)
    assert office.view(doc)["state"] == "running"
    circulation.read_on_opening(site, "finance.head", doc)
    assert office.view(doc)["current_step"] == "archive"
    office.do("clerk", doc, "archive", "submit")
    assert office.view(doc)["state"] == "archived"


def test_the_proposal_and_the_leaders_instruction_are_kept_on_the_item_and_the_ledger(office, site):
    """办件 at 拟办: the 拟办意见 goes with the proposed lead and co-units to the leader's 批办 card; the leader agrees
    with words of their own; both show on the item and in the ledger (督办台账)."""
    doc = notice_at_proposal(office, site)
    office.do("office", doc, "propose", "assign", lead="it", co=["finance"], due="2026-03-20",
              opinion="拟请信息技术部主办，财务部协办")
    card = [t for t in queries.my_tasks(site, "leader") if t["instance_id"] == doc][0]
    assert card["proposal"] == {"opinion": "拟请信息技术部主办，财务部协办", "lead": "信息技术部", "co": "财务部"}
    office.do("leader", doc, "instruct", "agree", opinion="同意，请抓紧落实")
    v = office.view(doc)
    assert (v["assignment"]["opinion"], v["assignment"]["instruction"]) == ("拟请信息技术部主办，财务部协办",
                                                                         "同意，请抓紧落实")
    row = [r for r in supervision.ledger(site, login="clerk") if r["id"] == doc][0]
    assert (row["proposal"], row["instruction"]) == ("拟请信息技术部主办，财务部协办", "同意，请抓紧落实")


def test_my_tasks_come_overdue_first_then_by_urgency_then_by_due_date(office, site):
    """我的待办 of the clerk: what is overdue first, then 特急 before 紧急 before the ordinary, then the nearest due."""
    plain = site.start("incoming_document", {**NOTICE, "title": "平件", "urgency": "normal"}, "clerk")
    very = site.start("incoming_document", {**NOTICE, "title": "特急件", "urgency": "very_urgent"}, "clerk")
    urgent = site.start("incoming_document", {**NOTICE, "title": "急件", "urgency": "urgent"}, "clerk")
    order = [t["instance_id"] for t in queries.my_tasks(site, "clerk")]
    assert order == [very, urgent, plain]
    assert [t["urgency"] for t in queries.my_tasks(site, "clerk")] == ["very_urgent", "urgent", None]
    office.advance(days=3)  # all three registrations are overdue now; a fresh ordinary one is not
    fresh = site.start("incoming_document", {**NOTICE, "title": "新平件", "urgency": "normal"}, "clerk")
    assert [t["instance_id"] for t in queries.my_tasks(site, "clerk")] == [very, urgent, plain, fresh]


def test_a_reply_to_the_sender_drafted_by_the_lead_and_approved(office, site):
    """办复: IT, the lead, drafts the reply with its number and date; the office director sends it back once, then
    approves it; the ledger shows 办复情况 and the document is archived."""
    doc = site.start("incoming_document", {**NOTICE, "reply_needed": True}, "clerk")
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead="it", due="2026-03-20")
    office.do("leader", doc, "instruct", "agree")
    office.do("clerk", doc, "dispatch", "transfer", lead="it")
    office.do("it.head", doc, "handle", "accept", on="it")
    office.do("it.head", doc, "handle", "complete", on="it", report="已完成安全检查")
    office.do("it.head", doc, "reply", "submit", reply="经检查，我局已落实", reply_number="信复〔2026〕1号",
              reply_date="2026-03-05")
    office.do("office", doc, "approve_reply", "redo", comment="请补充整改时限")
    office.do("it.head", doc, "reply", "submit", reply="经检查，我局已落实，3月底前完成整改",
              reply_number="信复〔2026〕1号", reply_date="2026-03-06")
    row = [r for r in supervision.ledger(site, login="clerk") if r["id"] == doc][0]
    assert row["reply"] == "待审核：信复〔2026〕1号（2026-03-06）"
    office.do("office", doc, "approve_reply", "approve")
    row = [r for r in supervision.ledger(site, login="clerk") if r["id"] == doc][0]
    assert row["reply"] == "已办复：信复〔2026〕1号（2026-03-06）"
    assert office.view(doc)["current_step"] == "archive"


def directive_with_it(office, site):
    d = office.issue_directive(title="客服热线整改", lead_unit="it", co_units=[])
    office.register_and_assign(d)
    office.do("it.head", d, "handle", "accept", on="it")
    return d


def test_a_transfer_recalled_before_the_new_holder_opened_it(office, site):
    """撤回: the IT head hands the task to 林运维 by mistake and takes it back before 林运维 has opened it; the
    withdrawn task leaves 林运维's 我的待办 and the trail shows both acts with the reason."""
    d = directive_with_it(office, site)
    office.do("it.head", d, "handle", "transfer", on="it", to="it.staff1", reason="请林运维承办")
    sent = [t for t in office.tasks(d, "handle") if t["state"] == "transferred"][0]
    site.act(sent["id"], "recall", "it.head", {"reason": "转错了人"})
    assert not [t for t in queries.my_tasks(site, "it.staff1") if t["instance_id"] == d]
    back = office.task(d, "handle", on="it")
    assert back == sent["id"] and office.view(d)["assignment"]["lead"] == {"unit": "it"}
    trail = office.timeline(d)
    assert any("转办给 林运维" in x for x in trail) and any("撤回“承办”" in x and "转错了人" in x for x in trail)


def test_a_recall_is_refused_once_the_new_holder_has_opened_it(office, site):
    d = directive_with_it(office, site)
    office.do("it.head", d, "handle", "transfer", on="it", to="it.staff1", reason="请林运维承办")
    sent = [t for t in office.tasks(d, "handle") if t["state"] == "transferred"][0]
    assert circulation.mark_opened(site, "it.staff1", d) == 1  # 林运维 opens the item page
    assert circulation.mark_opened(site, "it.staff1", d) == 0
    with pytest.raises(NotAllowed) as e:
        site.act(sent["id"], "recall", "it.head", {"reason": "转错了人"})
    assert "林运维" in e.value.zh
    with pytest.raises(NotAllowed):  # nobody else recalls another's step
        site.act(sent["id"], "recall", "it.staff2", {"reason": "x"})


BRIEFING = """
id: briefing
version: 1
title: {zh: 情况通报, en: Briefing}
serial: {prefix: 通}
fields:
  title: {type: text, required: true, label: {zh: 标题, en: Title}}
start: draft
steps:
  draft:
    kind: task
    title: {zh: 起草, en: Draft}
    actor: role:clerk
    cc: [person:finance.head]
    next: read_round
  read_round:
    kind: circulate
    title: {zh: 传阅, en: Read round}
    to: [person:leader, unit:hr]
    order: sequential
    deadline: 2 working days
    next: done
  done:
    kind: end
    title: {zh: 结束, en: Done}
"""


def test_a_definition_circulates_by_a_step_and_copies_on_entering_one(office, site):
    """A definition's own `kind: circulate` step (in order, with a read-by time) and a step's `cc:` key: the finance
    head is copied on the draft; the leader then HR read it; the item ends when the last has read."""
    with db.write(site.eng) as conn:
        definition_store.register_definition(conn=conn, text=BRIEFING, filename="briefing.yaml", now=site.clock.now())
    site.reload()
    item = site.start("briefing", {"title": "一季度工作情况通报"}, "clerk")
    assert [c["name"] for c in queries.item_view(site, item, "finance.head")["copies"]] == ["吴部长"]
    office.do("clerk", item, "draft", "submit")
    sheet = office.view(item)["circulation"]
    assert [(r["reader"], r["state"]) for r in sheet] == [("王局长", "unread"), ("人力资源部", "queued")]
    assert sheet[0]["due_at"] is not None
    circulation.read_on_opening(site, "leader", item)
    assert office.view(item)["state"] == "running"
    circulation.read_on_opening(site, "hr.head", item)
    assert office.view(item)["state"] == "completed"
