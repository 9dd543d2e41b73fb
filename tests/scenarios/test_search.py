"""Finding an item without scrolling the ledger (检索): by a phrase inside a progress report, by a two-character
word, by one character, by a Latin word, by the serial typed three ways, by a sender; and a staff member with no
part in a confidential document finds nothing about it, not even in the count."""
from __future__ import annotations

import pytest

from engine.core.states import InputError
from engine.reads import lists as listing, search
from engine.store import db, search as search_store

DOC = {"sender": "市委组织部", "doc_number": "组通〔2026〕7号", "received_on": "2026-03-02", "due": "2026-03-16",
       "urgency": "urgent"}


def found(site, who, q, **kw):
    r = search.search(site, login=who, q=q, **kw)
    return r["total"], [x["serial"] for x in r["results"]], r["results"]


@pytest.fixture
def desk(office):
    """The clerk's desk on a Monday: a safety directive whose finance accountant reported progress, a second
    directive about the canteen, and a confidential personnel document dispatched to HR's recruiter."""
    safety = office.issue_directive(title="落实安全生产大检查", instruction="请财务部牵头，人力资源部配合。",
                                    co_units=["hr"])
    office.register_and_assign(safety)
    office.do("finance.head", safety, "handle", "accept", on="finance")
    office.do("finance.head", safety, "handle", "progress", on="finance",
              text="已完成消防通道自查，发现隐患三处，正在整改。Fire exits checked.", percent=40)
    canteen = office.issue_directive(title="改进职工食堂服务", instruction="请客服部研究改进方案。",
                                     lead_unit="service", co_units=[])
    secret = office.site.start("incoming_document", {**DOC, "title": "关于干部任免的通知", "confidential": True},
                               "clerk")
    office.do("clerk", secret, "register", "submit")
    office.do("office", secret, "propose", "assign", lead="hr.staff1", co=[], due="2026-03-16")
    office.do("leader", secret, "instruct", "agree")
    office.do("clerk", secret, "dispatch", "transfer", lead="hr.staff1", co=[])
    return {"safety": safety, "canteen": canteen, "secret": secret}


def test_a_phrase_inside_a_progress_report_finds_its_item(office, desk):
    total, serials, results = found(office.site, "clerk", "消防通道自查")
    assert (total, serials) == (1, ["督〔2026〕1号"])
    match = results[0]["matches"][0]
    assert (match["field"], match["source"], match["label"]) == ("progress", "entry", "进展反馈")
    assert "<mark>消防通道自查</mark>" in match["snippet"]


def test_a_two_character_word_and_a_single_character(office, desk):
    assert found(office.site, "clerk", "隐患")[:2] == (1, ["督〔2026〕1号"])
    assert found(office.site, "clerk", "食堂")[:2] == (1, ["督〔2026〕2号"])
    assert found(office.site, "clerk", "堂")[:2] == (1, ["督〔2026〕2号"])
    # both directives mention a unit to lead: 请 is in both instructions; title hits would rank first
    total, serials, _ = found(office.site, "clerk", "请")
    assert total == 2 and set(serials) == {"督〔2026〕1号", "督〔2026〕2号"}
    # characters that never stand together find nothing, though each occurs
    assert found(office.site, "clerk", "食患")[0] == 0


def test_a_latin_word_in_any_case(office, desk):
    total, serials, results = found(office.site, "clerk", "FIRE exits")
    assert (total, serials) == (1, ["督〔2026〕1号"])
    assert "<mark>Fire</mark> <mark>exits</mark> checked." in results[0]["matches"][0]["snippet"]


def test_the_serial_typed_three_ways(office, desk):
    for typed in ("督〔2026〕2号", "督2026-2", "2号"):
        total, serials, results = found(office.site, "clerk", typed)
        assert "督〔2026〕2号" in serials, typed
        assert serials[0] == "督〔2026〕2号" or typed == "2号"
        hit = next(r for r in results if r["serial"] == "督〔2026〕2号")
        assert hit["matches"][0]["field"] == "serial"
    # 2号 is also the second incoming document's number, which the clerk may see; not the first directive
    assert "督〔2026〕1号" not in found(office.site, "clerk", "2号")[1]


def test_a_title_hit_ranks_before_a_hit_in_the_text(office, desk):
    office.issue_directive(title="食堂消防检查", instruction="请开展检查。", co_units=[])
    _, serials, results = found(office.site, "clerk", "消防")
    assert serials == ["督〔2026〕3号", "督〔2026〕1号"]
    assert [r["matches"][0]["field"] for r in results] == ["title", "progress"]


def test_a_sender_and_the_filters(office, desk):
    total, serials, results = found(office.site, "hr.staff1", "组织部")
    assert (total, serials) == (1, ["收〔2026〕1号"])
    assert results[0]["matches"][0]["label"] == "来文单位"
    assert found(office.site, "clerk", "请", definition="incoming_document")[0] == 0
    assert found(office.site, "clerk", "请", unit="finance")[1] == ["督〔2026〕1号"]  # the one assigned
    assert found(office.site, "clerk", "", definition="directive")[0] == 2  # the filters alone


def test_an_uninvolved_staff_member_finds_nothing_of_a_confidential_item(office, desk):
    """许客服 of the service unit has no part in the personnel document: no hit by title, sender, serial or
    a word of it, and the totals count only what they may see."""
    for q in ("干部任免", "任免", "组织部", "收〔2026〕1号", "1号"):
        total, serials, _ = found(office.site, "service.staff1", q)
        assert "收〔2026〕1号" not in serials, q
        assert total == len(serials), q
    assert found(office.site, "service.staff1", "干部任免")[0] == 0
    assert found(office.site, "hr.staff1", "干部任免")[0] == 1  # the recruiter it was dispatched to


def test_the_ledger_and_my_tasks_take_the_same_query(office, desk):
    ledger = listing.list_items(office.site, login="clerk", q="隐患")
    assert [x["serial"] for x in ledger["items"]] == ["督〔2026〕1号"]
    ledger = listing.list_items(office.site, login="clerk", q="督2026-2")
    assert [x["serial"] for x in ledger["items"]] == ["督〔2026〕2号"]


def test_an_attachment_is_found_by_its_name_and_its_text_until_removed(office, desk):
    site = office.site
    with db.write(site.eng) as conn:
        search_store.index_attachment(conn=conn, attachment_id=7, instance_id=desk["canteen"],
                                      name="食堂满意度调查.docx", text="问卷回收三百份，满意率百分之八十二。" * 300)
    total, serials, results = found(site, "clerk", "满意率")
    assert (total, serials) == (1, ["督〔2026〕2号"])
    assert results[0]["matches"][0]["source"] == "attachment"
    assert found(site, "clerk", "满意度调查")[1] == ["督〔2026〕2号"]
    with db.write(site.eng) as conn:
        search_store.unindex_attachment(conn=conn, attachment_id=7)
    assert found(site, "clerk", "满意率")[0] == 0
    assert found(site, "clerk", "满意度调查")[0] == 0


def test_a_rebuilt_index_finds_the_same(office, desk):
    before = found(office.site, "clerk", "消防通道")[:2]
    with db.write(office.site.eng) as conn:
        counts = search_store.reindex(conn=conn)
    assert counts["items"] == 3 and counts["entries"] >= 1
    assert found(office.site, "clerk", "消防通道")[:2] == before
    assert found(office.site, "clerk", "组织部")[0] == 1


def test_queries_are_bounded(office, desk):
    with pytest.raises(InputError):
        search.search(office.site, login="clerk", q="检" * 101)
    with pytest.raises(InputError):
        search.search(office.site, login="clerk", q="检查", page_size=51)
