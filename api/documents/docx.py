"""The supervision bulletin as a Word document (python-docx): Word's own styles (Title, Heading 1, a real table
styled "Table Grid"), A4 with office margins, page numbers from a PAGE field in the footer, a Chinese font for
East Asian text, and the weekly chart as a PNG (api/documents/png.py) with its figures in a table under it."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from api.documents.png import weekly_png
from engine.reads.bulletin import change, percent

FONT = "SimSun"  # what Word offices have; the PDF embeds WenQuanYi Zen Hei instead
HEADLINE = ("new", "closed", "on_time", "late", "overdue", "rate")
UNIT_COLUMNS = ("name", "received", "closed", "on_time", "late", "overdue", "rate", "chases", "yellow", "red")


def bulletin_docx(b: dict) -> bytes:
    """The bulletin model (engine.reads.bulletin.build) as .docx bytes."""
    w = b["words"]
    doc = Document()
    _page(doc, w)
    doc.add_heading(b["heading"], level=0)
    meta = doc.add_paragraph(f"{w['period']}：{b['since']} — {b['until']}    {w['issued']}：{b['issued_on']}")
    meta.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading(w["headline"], level=1)
    t, p = b["totals"], b["previous_totals"]
    rows = [[w["figure"], w["this"], w["prev"], w["change"]]]
    for k in HEADLINE:
        if k == "rate":
            rows.append([w[k], percent(t[k]), percent(p[k]), change(t[k], p[k], rate=True)])
        else:
            rows.append([w[k], str(t[k]), str(p[k]), change(t[k], p[k])])
    _table(doc, rows)

    doc.add_heading(w["by_unit"], level=1)
    head = [w["unit"], w["received"], w["closed"], w["on_time"], w["late"], w["overdue"], w["rate"], w["chases"],
            w["yellow"], w["red"]]
    _table(doc, [head] + [[percent(u[k]) if k == "rate" else str(u[k]) for k in UNIT_COLUMNS] for u in b["units"]])

    doc.add_heading(w["cards"], level=1)
    _table(doc, [[w["serial"], w["item"], w["lead"], w["due"], w["days_overdue"], w["card"]]]
           + [[c["serial"], c["title"], c["lead"], c["due"], str(c["days_overdue"]), c["card_label"]]
              for c in b["cards"]], empty=w["none"])

    doc.add_heading(w["closed_items"], level=1)
    _table(doc, [[w["serial"], w["item"], w["lead"], w["closed_on"], w["rating"]]]
           + [[c["serial"], c["title"], c["lead"], c["closed_on"], c["rating"]] for c in b["closed"]],
           empty=w["none"])

    doc.add_heading(w["chart"], level=1)
    doc.add_picture(io.BytesIO(weekly_png(b["weeks"])), width=Mm(160))
    _table(doc, [[w["week"]] + [x["label"] for x in b["weeks"]],
                 [w["completed"]] + [str(x["completed"]) for x in b["weeks"]],
                 [w["fell_overdue"]] + [str(x["overdue"]) for x in b["weeks"]]], size=8)

    doc.add_heading(w["closing"], level=1)
    for line in b["closing"]:
        doc.add_paragraph(line)
    sign = doc.add_paragraph(f"{w['office']}\n{b['issued_on']}")
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _page(doc, w: dict) -> None:  # noqa: ANN001
    """A4, 25 mm top and bottom, 28/26 mm sides; a Chinese font for East Asian text; the footer's page number."""
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin, s.left_margin, s.right_margin = Mm(25), Mm(25), Mm(28), Mm(26)
    for name in ("Normal", "Title", "Heading 1"):
        style = doc.styles[name]
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    doc.styles["Normal"].font.size = Pt(11)
    para = s.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = w["page"].split("{p}")
    para.add_run(before)
    _field(para, "PAGE")
    para.add_run(after)


def _field(para, code: str) -> None:  # noqa: ANN001
    """A Word field (PAGE) as begin / instruction / separate / result / end runs: Word fills it on each page."""
    def run_with(tag: str, **attrs: str):  # noqa: ANN202
        el = OxmlElement(tag)
        for k, v in attrs.items():
            el.set(qn(k), v)
        r = para.add_run()
        r._r.append(el)
        return el

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    instr = run_with("w:instrText", **{"xml:space": "preserve"})
    instr.text = f" {code} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    para.add_run("1")
    run_with("w:fldChar", **{"w:fldCharType": "end"})


def _table(doc, rows: list[list[str]], *, empty: str | None = None, size: int = 10) -> None:  # noqa: ANN001
    """A real Word table (style Table Grid) with a bold header row repeated on every page; `empty` when no rows."""
    if len(rows) == 1 and empty is not None:
        doc.add_paragraph(empty)
        return
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            cell = table.cell(i, j)
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(size)
                run.bold = i == 0
    head = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head.append(repeat)
