"""The ledger read and written a chunk at a time (issue 17) gives exactly what it gave when it was read whole and
written in memory: the same rows, the same workbook cell by cell (values, number formats, alignment, widths,
frozen header, print setup, footer, filter), the same CSV bytes; and the writers stream (a write-only workbook,
a generator of CSV chunks, the rows a generator reading a chunk of items at a time)."""
from __future__ import annotations

import csv
import inspect
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from api import ledger_files
from engine.reads import lights, ledger as ledger_model, supervision
from engine.reads.supervision import Filters, narrowing
from engine.runtime import proxies
from engine.runtime.sweep import sweep
from engine.store import attachments as attachment_store, board as board_store, db
from tests.support.clock import at


# ------------------------------------------------------------------ the ledger as it was written before issue 17
def whole_ledger(site, login, filters=Filters(), lang="zh"):
    """Every item loaded at once (board.load), then one row each: the old path."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        items, tasks, chases = board_store.load(conn=conn, viewer=proxies.viewer(site, login, conn),
                                                narrowing=narrowing(site, filters), now=now)
        material = attachment_store.items_with_material(conn=conn, instance_ids=[it.id for it in items])
    lit = lights.of_items(site, items, tasks, now)
    return [ledger_model.row(site, it, tasks[it.id], chases.get(it.id, 0), it.id in material, now, lang,
                             lit.get(it.id))
            for it in items]


def old_xlsx(rows, lang="zh", *, exported=""):
    wb = Workbook()
    ws = wb.active
    ws.title = "Ledger" if lang == "en" else "督办台账"
    keys = [k for k, _, _ in ledger_model.LEDGER_COLUMNS]
    ws.append(ledger_model.ledger_headers(lang))
    for r in rows:
        ws.append([r[k] for k in keys])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"
    head_fill = PatternFill("solid", fgColor="F3E3E3")
    for c, key in enumerate(keys, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = ledger_files.WIDTHS[key]
        head = ws.cell(row=1, column=c)
        head.font, head.fill = Font(bold=True), head_fill
        head.alignment = Alignment(horizontal="center", vertical="center")
        for cell in ws[letter][1:]:
            if key in ("assigned_on", "due_on", "closed_on"):
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = Alignment(wrap_text=True, vertical="top") if key in ledger_files.WRAP \
                else Alignment(vertical="top")
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    en = lang == "en"
    ws.oddFooter.center.text = "Page &P of &N" if en else "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = (f"Exported {exported}" if en else f"导出时间 {exported}") if exported else ""
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{max(1, len(rows) + 1)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def old_csv(rows, lang="zh"):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(ledger_model.ledger_headers(lang))
    for r in rows:
        w.writerow([ledger_files.safe(r[k].isoformat() if isinstance(r[k], date) else r[k]) if r[k] is not None
                    else "" for k, _, _ in ledger_model.LEDGER_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


# ------------------------------------------------------------------ a varied office
@pytest.fixture
def varied(office, clock):
    """Directives on time, late, overdue and cancelled, a document, a confidential one, titles a spreadsheet
    would take for formulas, a chase, an extension, more items than a chunk."""
    o = office
    done = o.issue_directive(title="安全检查", lead_unit="finance", co_units=["hr"], due="2026-03-06")
    late = o.issue_directive(title="=HYPERLINK(\"http://x\")", lead_unit="hr", co_units=[], due="2026-03-05")
    stuck = o.issue_directive(title="-1 网络升级", lead_unit="it", co_units=[], due="2026-03-04")
    dropped = o.issue_directive(title="@作废事项", lead_unit="service", co_units=["it"], due="2026-03-09")
    for item in (done, late, stuck, dropped):
        o.register_and_assign(item)
    o.do("finance.head", done, "handle", "accept", on="finance")
    o.do("hr.head", done, "handle", "accept", on="hr")
    o.do("hr.head", done, "handle", "complete", on="hr", opinion="同意")
    clock.set(at("2026-03-05 15:00"))
    o.do("finance.head", done, "handle", "complete", on="finance", report="+已完成")
    o.do("clerk", done, "verify", "approve")
    clock.set(at("2026-03-06 11:00"))
    o.do("hr.head", late, "handle", "accept", on="hr")
    o.do("hr.head", late, "handle", "complete", on="hr", report="补办完成")
    o.site.start("incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                       "doc_number": "市数〔2026〕12号", "received_on": "2026-03-06",
                                       "due": "2026-03-20"}, "clerk")
    o.site.start("incoming_document", {"title": "关于人事调整的通知（涉密）", "sender": "市委组织部",
                                       "received_on": "2026-03-06", "urgency": "urgent", "confidential": True},
                 "clerk")
    for n in range(7):
        o.issue_directive(title=f"专项工作{n}", lead_unit=["finance", "hr", "it"][n % 3], due="2026-03-2%d" % n)
    o.do("leader", dropped, "handle", "cancel", on="service", reason="情况已变化")
    clock.set(at("2026-03-10 16:00"))
    sweep(o.site)
    o.do("clerk", stuck, "handle", "chase", on="it", message="请今日反馈")
    return o


WHO = ("clerk", "leader", "finance.head", "hr.staff1", "admin")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chunked_rows_equal_the_whole_load(varied, lang):
    site = varied.site
    for who in WHO:
        for f in (Filters(), Filters(unit="hr"), Filters(overdue=True), Filters(q="检查"), Filters(state="running")):
            whole = whole_ledger(site, who, f, lang)
            for size in (1, 3, 500):
                assert list(supervision.ledger_rows(site, login=who, filters=f, lang=lang, chunk=size)) == whole
    assert len(whole_ledger(site, "clerk")) >= 12


def cells(data: bytes):
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    grid = [[(c.value, c.data_type, c.number_format, c.alignment.wrap_text, c.alignment.vertical,
              c.alignment.horizontal, c.font.b, c.fill.fgColor.rgb) for c in row] for row in ws.iter_rows()]
    widths = {k: round(d.width, 2) for k, d in ws.column_dimensions.items() if d.width}
    setup = (ws.title, ws.freeze_panes, ws.auto_filter.ref, ws.print_title_rows, ws.page_setup.orientation,
             ws.page_setup.paperSize, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight,
             ws.sheet_properties.pageSetUpPr.fitToPage, ws.oddFooter.center.text, ws.oddFooter.right.text)
    return grid, widths, setup


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_streamed_files_equal_the_old_ones_cell_by_cell(varied, lang):
    rows = whole_ledger(varied.site, "clerk", lang=lang)
    new_grid, new_widths, new_setup = cells(ledger_files.xlsx_bytes(iter(rows), lang, exported="2026-03-10 16:00"))
    old_grid, old_widths, old_setup = cells(old_xlsx(rows, lang, exported="2026-03-10 16:00"))
    assert len(new_grid) == len(rows) + 1 and new_grid == old_grid
    assert new_widths == old_widths and len(new_widths) == len(ledger_model.LEDGER_COLUMNS)
    assert new_setup == old_setup and new_setup[1:3] == ("A2", f"A1:S{len(rows) + 1}")
    titles = [r[1][0] for r in new_grid[1:]]
    assert '=HYPERLINK("http://x")' in titles and all(r[1][1] == "s" for r in new_grid[1:])  # text, not formula
    assert isinstance(new_grid[1][5][0], type(old_grid[1][5][0])) and new_grid[1][5][2] == "yyyy-mm-dd"
    assert b"".join(ledger_files.csv_chunks(iter(rows), lang)) == old_csv(rows, lang)
    assert old_csv(rows, lang).startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in old_csv(rows, lang)


def test_the_csv_streams_in_chunks_with_one_bom(varied, monkeypatch):
    monkeypatch.setattr(ledger_files, "CSV_ROWS", 2)
    rows = whole_ledger(varied.site, "clerk")
    chunks = list(ledger_files.csv_chunks(iter(rows)))
    assert len(chunks) == len(rows) // 2 + 1 and b"".join(chunks) == old_csv(rows)
    assert [c.startswith(b"\xef\xbb\xbf") for c in chunks].count(True) == 1


def test_the_writers_stream_by_construction(varied, monkeypatch):
    """The rows are a generator reading `chunk` items at a time; the workbook is write-only."""
    site = varied.site
    got = supervision.ledger_rows(site, login="clerk", chunk=2)
    assert inspect.isgenerator(got)
    reads = []
    real = ledger_model.ledger_store.chunk
    monkeypatch.setattr(ledger_model.ledger_store, "chunk", lambda **kw: reads.append(kw["after"]) or real(**kw))
    first = next(got)
    assert len(reads) == 1  # one chunk read for the first row, not the whole ledger
    rest = list(got)
    assert len(reads) == (len(rest) + 1) // 2 + 1
    made = []
    real_wb = ledger_files.Workbook
    monkeypatch.setattr(ledger_files, "Workbook", lambda **kw: made.append(kw) or real_wb(**kw))
    ledger_files.xlsx_bytes(iter([first]))
    assert made == [{"write_only": True}]


def test_an_unknown_person_is_refused_before_the_download_starts(varied):
    with pytest.raises(Exception):
        supervision.ledger_rows(varied.site, login="nobody")


def test_the_ledgers_lights_worked_out_once_per_export_equal_each_items_own(office, site, clock, monkeypatch):
    """Friday reports (定期反馈) and milestones over several items: the facts an export works out once and shares
    (engine.core.checkpoint_facts.facts with one memo) equal those of each item read on its own, on days with a
    window missed, a report made, a holiday Friday and a milestone passed; and the ledger's 亮灯 says so."""
    from engine.reads import checkpoints as facts
    clock.set(at("2026-04-27 09:30"))  # Monday; Fri 1 May is Labour Day
    first = office.issue_directive(co_units=[], due="2026-05-29",
                                   milestones=[{"title": "摸底调查", "due": "2026-05-06"}])
    office.register_and_assign(first)
    office.do("finance.head", first, "handle", "accept", on="finance")
    clock.set(at("2026-05-07 11:00"))  # after the moved report day (Wed 6 May) was missed by `first`
    second = office.issue_directive(lead_unit="hr", co_units=[], due="2026-06-30")
    office.register_and_assign(second)
    office.do("hr.head", second, "handle", "accept", on="hr")
    clock.set(at("2026-05-08 10:00"))
    office.do("finance.head", first, "handle", "progress", on="finance", text="已自查", percent=30)
    items = [first, second]
    for when in ("2026-05-06 18:01", "2026-05-08 18:01", "2026-05-11 09:00", "2026-05-15 18:01", "2026-05-22 18:01"):
        memo: dict = {}
        shared = facts.missed(site, items, at(when), memo=memo)
        assert shared == {i: facts.missed(site, [i], at(when))[i] for i in items}
        assert any(k[0] == "window" for k in memo)  # the report windows were worked out once, for both
        monkeypatch.setattr(facts, "LOAD_BATCH", 1)  # items read a query at a time (the board's 250,000 on PG)
        assert facts.missed(site, items, at(when)) == shared
        monkeypatch.undo()
    assert facts.missed(site, items, at("2026-05-15 18:01"))[second]["report"] is not None  # hr never reported
    clock.set(at("2026-05-15 18:01"))
    rows = {r["id"]: r for r in supervision.ledger_rows(site, login="clerk", chunk=1)}
    assert rows[second]["light_code"] == "yellow" and "未按期反馈" in rows[second]["light"]
    assert rows == {r["id"]: r for r in whole_ledger(site, "clerk")}


def test_the_ledger_builds_snapshots_only_where_checkpoint_facts_can_say_something(varied, monkeypatch):
    """The incoming documents (no milestones, no report schedule) get no snapshot; the directives (a Friday report
    on their handling step) do; and for every running item that may_miss clears, the facts say nothing missed
    on any day, so the light is the same without them."""
    from engine.core import checkpoint_facts
    from engine.store import items as item_store, ledger as ledger_store
    site = varied.site
    got: list = []
    real = ledger_store.chunk
    monkeypatch.setattr(ledger_model.ledger_store, "chunk", lambda **kw: got.append(real(**kw)) or got[-1])
    rows = list(supervision.ledger_rows(site, login="clerk"))
    snapped = {k for c in got for k in c.snaps}
    running = {r["id"]: r for r in rows if r["state_code"] == "running"}
    documents = {k for k, r in running.items() if r["title"].startswith("关于")}  # the incoming documents
    assert documents and not documents & snapped and snapped and snapped <= set(running)
    with db.read(site.eng) as conn:
        snaps = item_store.load_items(conn=conn, item_ids=set(running), definition_of=site.definition)
    for k, it in snaps.items():
        open_steps = [t.step for t in it.open_tasks()]
        cleared = not checkpoint_facts.may_miss(it.definition, it.assignment, it.subject, open_steps)
        assert cleared == (k not in snapped)
        for when in ("2026-03-10 16:00", "2026-03-13 18:01", "2026-04-30 18:01"):
            if cleared:
                assert checkpoint_facts.facts(it, at(when), site.cal) == {"milestone": None, "report": None}
