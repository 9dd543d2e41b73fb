"""The supervision bulletin (督查通报) over a quarter driven on the manual clock: every figure read back from the Word
document (python-docx) and from the PDF (pdftotext) equals the summary endpoint's for the same filters and period,
the previous period's too; Word's own styles, A4, a PAGE field; the Chinese font embedded; who may have it."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from engine.reads.bulletin import change, percent, previous_range
from tests.support.quarter import drive_quarter

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HEADLINE = ("new", "closed", "on_time", "late", "overdue", "rate")
UNIT_KEYS = ("received", "closed", "on_time", "late", "overdue", "rate", "chases", "yellow", "red")


@pytest.fixture
def quarter(office, clock, api):
    return drive_quarter(office, clock)


def shown(key: str, value):
    return percent(value) if key == "rate" else str(value)


def summary(api, query: str) -> dict:
    return api.ok("GET", f"/supervision/summary?{query}", "leader")


def board_for(api, query: str, since: str, until: str) -> tuple[dict, dict]:
    """The summary of the period and of the one before, as the board computes them."""
    kind = re.search(r"period=(\w+)", query)
    rest = re.sub(r"period=\w+&?", "", query)
    now = summary(api, f"{rest}&since={since}&until={until}")
    p0, p1 = previous_range(kind.group(1) if kind else None, date.fromisoformat(since), date.fromisoformat(until))
    return now, summary(api, f"{rest}&since={p0}&until={p1}")


def docx_tables(content: bytes) -> dict[str, list[list[str]]]:
    """Each table's rows by its header's first and last cells (e.g. "编号 亮牌")."""
    doc = Document(io.BytesIO(content))
    return {f"{t.rows[0].cells[0].text} {t.rows[0].cells[-1].text}": [[c.text for c in r.cells] for r in t.rows]
            for t in doc.tables}


@pytest.mark.parametrize("query", ["period=quarter", "period=week", "period=month&unit=hr"])
def test_the_word_bulletin_says_what_the_board_says(api, quarter, query):
    r = api.get(f"/supervision/bulletin.docx?{query}", "leader")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(r.content))
    meta = doc.paragraphs[1].text
    since, until = re.findall(r"\d{4}-\d{2}-\d{2}", meta)[:2]
    now, prev = board_for(api, query, since, until)
    assert now == summary(api, query) | {"now": now["now"]}  # the bulletin's period is the board's own
    tables = docx_tables(r.content)
    head = tables["指标 增减"]
    assert head[0] == ["指标", "本期", "上期", "增减"] and len(head) == 1 + len(HEADLINE)
    for row, key in zip(head[1:], HEADLINE):
        t, p = now["totals"][key], prev["totals"][key]
        assert row[1:] == [shown(key, t), shown(key, p), change(t, p, rate=key == "rate")], key
    units = {row[0]: row[1:] for row in tables["单位 红牌"][1:]}
    shown_units = [u for u in now["by_unit"] if u["received"] or u["open"]]
    assert set(units) == {u["name"] for u in shown_units}
    for u in shown_units:
        assert units[u["name"]] == [shown(k, u[k]) for k in UNIT_KEYS], u["unit"]
    cards = tables.get("编号 亮牌", [[]])
    assert [row[0] for row in cards[1:]] == [c["serial"] for c in now["cards"]]
    assert [row[4] for row in cards[1:]] == [str(c["overdue_days"]) for c in now["cards"]]
    weeks = next(v for k, v in tables.items() if k.startswith("周 "))
    assert weeks[1][1:] == [str(w["completed"]) for w in now["weeks"]]
    assert weeks[2][1:] == [str(w["overdue"]) for w in now["weeks"]]
    text = "\n".join(p.text for p in doc.paragraphs)
    t = now["totals"]
    assert f"本期新交办事项 {t['new']} 项，已办结 {t['closed']} 项" in text and f"按时办结率 {percent(t['rate'])}" in text


def test_the_quarter_in_word_uses_words_own_styles(api, quarter):
    doc = Document(io.BytesIO(api.get("/supervision/bulletin.docx?period=quarter", "office").content))
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].text == "督查通报〔2026〕第 1 期"
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 1"][:2] == ["一、总体情况", "二、各单位办理情况"]
    assert all(t.style.name == "Table Grid" for t in doc.tables)
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)  # A4 (Word keeps twips)
    footer = s.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    assert len(doc.inline_shapes) == 1  # the weekly chart, a PNG drawn with the standard library
    blip = doc.inline_shapes[0]._inline.graphic.graphicData.pic.blipFill.blip.embed
    png = doc.part.related_parts[blip].blob
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    assert int.from_bytes(png[16:20], "big") == 24 + 48 * 12  # twelve weeks of columns
    closed = docx_tables(api.get("/supervision/bulletin.docx?period=quarter", "office").content)["编号 领导评价"]
    assert closed[0][-1] == "领导评价" and {row[-1] for row in closed[1:]} == {"未评价"}
    english = Document(io.BytesIO(api.get("/supervision/bulletin.docx?period=week&lang=en", "office",
                                          headers={"Accept-Language": "en"}).content))
    assert english.paragraphs[0].text == "Supervision bulletin [2026] No. 13"  # ISO week 13 of 2026


def test_the_pdf_bulletin_reads_back_the_same_figures(api, quarter):
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext, pdftoppm) is needed: see .ci/system-deps"
    r = api.get("/supervision/bulletin.pdf?period=quarter", "clerk")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "bulletin-2026Q1.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    reader = PdfReader(io.BytesIO(r.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)  # A4
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].get_object().values()}
    assert any("WenQuanYi" in f for f in fonts)  # the Chinese font, embedded as a subset
    since, until = re.findall(r"\d{4}-\d{2}-\d{2}", text)[:2]
    now, prev = board_for(api, "period=quarter", since, until)
    assert "督查通报〔2026〕第 1 期" in text
    lines: dict[str, list[str]] = {}
    for ln in text.splitlines():  # each row of a table is a line; the first line that starts with a label
        if ln.strip():
            lines.setdefault(ln.split()[0], ln.split()[1:])
    labels = {"new": "新交办", "closed": "办结", "on_time": "按时办结", "late": "逾期（含未办结）", "overdue": "超期未办结",
              "rate": "按时办结率"}
    for key, label in labels.items():
        t, p = now["totals"][key], prev["totals"][key]
        assert lines[label][:3] == [shown(key, t), shown(key, p), change(t, p, rate=key == "rate")], key
    for u in now["by_unit"]:
        if u["received"]:
            assert lines[u["name"]] == [shown(k, u[k]) for k in UNIT_KEYS], u["unit"]
    pages = subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(ARTIFACTS / "bulletin-2026Q1")],
                           capture_output=True, check=True)
    assert pages.returncode == 0 and (ARTIFACTS / "bulletin-2026Q1-1.png").stat().st_size > 10_000


def test_the_bulletin_is_for_the_people_who_see_the_board(api, quarter):
    r = api.get("/supervision/bulletin.pdf?period=week", "finance.head")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
    assert api.get("/supervision/bulletin.docx").status_code == 401
    bad = api.get("/supervision/bulletin.docx?period=year", "leader")
    assert bad.status_code == 422
    custom = Document(io.BytesIO(api.get("/supervision/bulletin.docx?since=2026-02-01&until=2026-02-28",
                                         "leader").content))
    assert custom.paragraphs[0].text == "督查通报（2026-02-01 — 2026-02-28）"  # a custom range has no number
