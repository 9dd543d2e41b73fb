"""The ledger (督办台账) as files that stream: the XLSX laid out by openpyxl's write-only workbook with its rows
written by api.xlsx_stream (the same cells, a row a formatted string, straight into a temporary file as they come;
the file is then sent in 64 KB blocks by FileResponse) and the CSV a row at a time (UTF-8 with a BOM), both with
memory bounded by a chunk of rows whatever the row count. Same columns and formatting as the ledger always had:
dates as dates, column widths, the header bold and frozen, printed A4 landscape with the header on every page, and
text that a spreadsheet would run as a formula kept as text."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, StreamingResponse

from api import xlsx_stream
from engine.reads.ledger import LEDGER_COLUMNS, ledger_headers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = {"serial": 16, "title": 36, "source": 20, "lead": 16, "co": 24, "assigned_on": 12, "due_on": 12,
          "progress": 44, "closed_on": 12, "state": 16, "chases": 10, "card": 8, "light": 30, "material": 10, "proposal": 36,
          "instruction": 36, "urgency": 8, "reply": 30, "rating": 10}
WRAP = ("title", "progress", "co", "proposal", "instruction", "reply")
DATES = ("assigned_on", "due_on", "closed_on")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula to a spreadsheet
CSV_ROWS = 200  # CSV rows sent at a time


def disposition(names: tuple[str, str]) -> dict[str, str]:
    name, ascii_name = names
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store"}


# ------------------------------------------------------------------ XLSX
def write_xlsx(rows: Iterable[dict], path: str, lang: str = "zh", *, exported: str = "") -> int:
    """Write the ledger workbook to `path`, the rows streamed (api.xlsx_stream) into the layout openpyxl makes
    (`layout`); the number of rows written."""
    keys = [k for k, _, _ in LEDGER_COLUMNS]
    sheet = xlsx_stream.Template(layout(lang, exported=exported), sheet_name(lang))
    return xlsx_stream.write(path, sheet, ([r[k] for k in keys] for r in rows),
                             ref=lambda n: f"A1:{get_column_letter(len(keys))}{max(1, n + 1)}")


def sheet_name(lang: str) -> str:
    return "Ledger" if lang == "en" else "督办台账"


def layout(lang: str = "zh", *, exported: str = "") -> Workbook:
    """The ledger workbook without its rows, in openpyxl's write-only mode: widths, frozen header, print setup,
    footer, the header row, and one sample row styled as the data (dates as dates, wrapped or top-aligned text)
    from which api.xlsx_stream takes each column's style."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_name(lang))
    keys = [k for k, _, _ in LEDGER_COLUMNS]
    for c, key in enumerate(keys, start=1):
        ws.column_dimensions[get_column_letter(c)].width = WIDTHS[key]
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    en = lang == "en"
    ws.oddFooter.center.text = "Page &P of &N" if en else "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = (f"Exported {exported}" if en else f"导出时间 {exported}") if exported else ""
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="F3E3E3")
    head_align = Alignment(horizontal="center", vertical="center")
    header = []
    for text in ledger_headers(lang):
        cell = WriteOnlyCell(ws, value=text)
        cell.font, cell.fill, cell.alignment = head_font, head_fill, head_align
        header.append(cell)
    ws.append(header)
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    sample = []
    for key in keys:
        cell = WriteOnlyCell(ws, value=date(2026, 1, 1) if key in DATES else "-")
        if key in DATES:
            cell.number_format = "yyyy-mm-dd"
        cell.alignment = wrap if key in WRAP else top
        sample.append(cell)
    ws.append(sample)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}1"  # set to the rows written by xlsx_stream.write
    return wb


def xlsx_bytes(rows: Iterable[dict], lang: str = "zh", *, exported: str = "") -> bytes:
    """The whole workbook in memory (for callers that need bytes, e.g. tests and small exports)."""
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, path, lang, exported=exported)
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


def xlsx_response(rows: Iterable[dict], lang: str, *, exported: str, names: tuple[str, str]) -> FileResponse:
    """The workbook written to a temporary file, sent in blocks, the file removed once sent."""
    fd, path = tempfile.mkstemp(prefix="duban-ledger-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(rows, path, lang, exported=exported)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=XLSX, headers=disposition(names),
                        background=BackgroundTask(os.unlink, path))


# ------------------------------------------------------------------ CSV
def safe(value: object) -> object:
    """CSV text that a spreadsheet would run as a formula is kept as text (a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(rows: Iterable[dict], lang: str = "zh") -> Iterator[bytes]:
    """The ledger as CSV, UTF-8 with a byte-order mark (so that Excel reads the Chinese), CSV_ROWS rows a chunk."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(ledger_headers(lang))
    prefix, n = "\ufeff", 0
    for r in rows:
        w.writerow([safe(r[k].isoformat() if isinstance(r[k], date) else r[k]) if r[k] is not None else ""
                    for k, _, _ in LEDGER_COLUMNS])
        n += 1
        if n % CSV_ROWS == 0:
            yield (prefix + buf.getvalue()).encode("utf-8")
            prefix = ""
            buf.seek(0)
            buf.truncate()
    yield (prefix + buf.getvalue()).encode("utf-8")


def csv_bytes(rows: Iterable[dict], lang: str = "zh") -> bytes:
    return b"".join(csv_chunks(rows, lang))


def csv_response(rows: Iterable[dict], lang: str, *, names: tuple[str, str]) -> StreamingResponse:
    return StreamingResponse(csv_chunks(rows, lang), media_type="text/csv; charset=utf-8",
                             headers=disposition(names))
