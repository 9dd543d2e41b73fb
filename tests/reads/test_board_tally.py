"""The board's tally (engine.store.board_tally), kept in the transaction of every change, is what a rebuild from the
rows makes, after a month of the office's work with every kind of change the board counts: directives issued,
transferred inside a unit, completed with completion material that is later removed, verified, rated, cancelled,
split into parts; a document archived; a confidential one; the sweep's chases and cards. The board read from it
says what the loop over every item says (tests/support/board_reference.py), and it does read it."""
from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from engine.reads import supervision
from engine.reads import board as board_reads
from engine.reads.supervision import Filters
from engine.runtime import attachments, proxies
from engine.runtime.sweep import sweep
from engine.store import board_tally, db
from tests.api.test_attachments_server import scanned_pdf
from tests.support import board_reference
from tests.support.clock import at
from tests.support.office import CONFIDENTIAL_DOC

SUPERVISORS = ("clerk", "leader", "admin")
PARTS = [{"title": "财务部门安全自查", "lead": "finance.staff1", "due": "2026-03-13"},
         {"title": "全员安全生产培训", "lead": "hr", "due": "2026-03-16"}]


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    return tmp_path


def upload(site, item: int, login: str, folder) -> int:
    body = scanned_pdf("整改报告")
    path = folder / "整改报告.pdf"
    path.write_bytes(body)
    got = attachments.Received(path=path, size=len(body), sha256=hashlib.sha256(body).hexdigest())
    return attachments.accept(site, instance_id=item, login=login, name="整改报告.pdf", note=None, got=got)["id"]


def kept(site) -> tuple[dict, list]:
    """The tally's rows that count something, and every share, as the store holds them."""
    with db.read(site.eng) as conn:
        tally = {tuple(r[:8]): tuple(r[8:]) for r in conn.execute(sa.select(board_tally.T_TALLY)) if any(r[8:])}
        shares = sorted(tuple(r) for r in conn.execute(sa.select(board_tally.T_SHARE)))
    return tally, shares


def rebuilt(site) -> tuple[dict, list]:
    with db.write(site.eng) as conn:
        board_tally.rebuild(conn=conn)
    return kept(site)


def same_both_ways(site, filters=(Filters(), Filters(state="completed"), Filters(definition="directive"))):
    for who in SUPERVISORS:
        for f in filters:
            assert supervision.summary(site, login=who, filters=f) == \
                board_reference.summary(site, login=who, filters=f), (who, f)


def test_a_month_of_work_keeps_the_tally_a_rebuild_makes(office, clock, files_dir):
    o, site = office, office.site
    a = o.issue_directive(title="安全检查", lead_unit="finance", co_units=["hr"], due="2026-03-06")
    b = o.issue_directive(title="网络升级", lead_unit="it", co_units=[], due="2026-03-04")
    c = o.issue_directive(title="档案整理", lead_unit="hr", co_units=[], due="2026-03-05")
    d = o.issue_directive(title="安全生产", lead_unit="finance", co_units=[], due="2026-03-20")
    for item in (a, b, c, d):
        o.register_and_assign(item)
    site.start("incoming_document", dict(CONFIDENTIAL_DOC), "clerk")
    o.do("hr.head", a, "handle", "accept", on="hr")
    o.do("hr.head", a, "handle", "complete", on="hr", opinion="同意")
    o.do("finance.head", a, "handle", "accept", on="finance")
    material = upload(site, a, "finance.head", files_dir)
    o.do("finance.head", a, "handle", "complete", on="finance", report="已完成", attachments=[material])
    o.do("it.head", b, "handle", "transfer", on="it", to="it.staff1", reason="请林运维承办")
    o.do("leader", c, "handle", "cancel", on="hr", reason="情况已变化")
    o.do("finance.head", d, "handle", "accept", on="finance")
    o.do("finance.head", d, "handle", "split", on="finance", parts=PARTS)
    clock.set(at("2026-03-05 15:00"))
    o.do("clerk", a, "verify", "approve", comment="材料齐全")
    same_both_ways(site)
    assert supervision.summary(site, login="clerk")["counts"]["with_material"] == 1
    rating = [t for t in o.view(a)["tasks"] if t["kind"] == "rating"]
    assert rating, "the closed directive asks its leader for a rating"
    o.do("leader", a, "close", "rate", kind="rating", rating="satisfied")
    doc = site.start("incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                           "doc_number": "市数〔2026〕12号", "received_on": "2026-03-02",
                                           "due": "2026-03-20", "urgency": "urgent"}, "clerk")
    o.do("clerk", doc, "register", "submit")
    o.do("office", doc, "propose", "assign", lead="it", co=[], due="2026-03-20")
    o.do("leader", doc, "instruct", "agree", opinion="同意")
    o.do("clerk", doc, "dispatch", "transfer", lead="it", co=[])
    o.do("it.head", doc, "handle", "accept", on="it")
    o.do("it.head", doc, "handle", "complete", on="it", report="已完成检查")
    o.do("clerk", doc, "archive", "submit")
    clock.set(at("2026-03-12 10:00"))
    sweep(site)  # chases and cards on what is late
    attachments.remove(site, material, "finance.head", "传错了文件")
    maintained = kept(site)
    s = supervision.summary(site, login="clerk")
    assert s["counts"]["with_material"] == 0 and s["counts"]["archived"] == 1 and s["counts"]["cancelled"] == 1
    assert s["satisfaction"] and s["totals"]["late"] >= 1 and sum(u["chases"] for u in s["by_unit"]) >= 1
    same_both_ways(site)
    assert maintained == rebuilt(site)


def test_the_board_reads_the_tally(office, clock):
    """Emptied behind the engine's back, the tally leaves the board short until it is rebuilt: the board does read
    it (for the supervisors who see every item), and a viewer it cannot answer for is counted from the rows."""
    o, site = office, office.site
    for unit in ("finance", "hr"):
        o.register_and_assign(o.issue_directive(title=f"{unit}检查", lead_unit=unit, co_units=[], due="2026-03-06"))
    full = supervision.summary(site, login="clerk")
    assert full["counts"]["total"] == 2
    with db.write(site.eng) as conn:
        conn.execute(board_tally.T_TALLY.delete())
    assert supervision.summary(site, login="clerk")["counts"]["total"] == 0
    assert supervision.summary(site, login="clerk", filters=Filters(unit="hr"))["counts"]["total"] == 1
    rebuilt(site)
    assert supervision.summary(site, login="clerk") == full


def test_which_narrowings_the_tally_answers(site):
    with db.read(site.eng) as conn:
        clerk = proxies.viewer(site, "clerk", conn)
        head = proxies.viewer(site, "finance.head", conn)
    answered = [Filters(), Filters(definition="directive", state="running"),
                Filters(since=site.cal.local_date(site.clock.now()))]
    for f in answered:
        assert board_reads.tallied(clerk, supervision.narrowing(site, f))
        assert not board_reads.tallied(head, supervision.narrowing(site, f))  # sees only what involves the unit
    for f in (Filters(unit="hr"), Filters(q="检查"), Filters(overdue=True)):
        assert not board_reads.tallied(clerk, supervision.narrowing(site, f))
