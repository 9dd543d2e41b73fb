"""The ledger's rows written as XLSX XML by api.xlsx_stream read back exactly as openpyxl's own write-only cells
do, for every kind of value a ledger cell holds (and a few it might one day): text with markup characters, line
breaks and edge spaces, text a spreadsheet would take for a formula, empty text and None, numbers, booleans, dates
and times. Control characters that XML cannot carry are left out instead of failing the whole export."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

from api import xlsx_stream

VALUES = ["督办〔2026〕1号", "a < b & c > d", "第一行\r\n第二行\n第三行", "  前后有空格 ", "   ", "=HYPERLINK(\"x\")",
          "+1", "-2 网络", "@作废", "", None, 0, 7, 2.5, True, False, date(2026, 3, 5), datetime(2026, 3, 5, 16, 30)]
TOP, WRAP = Alignment(vertical="top"), Alignment(wrap_text=True, vertical="top")


def styled(ws, value, n):
    cell = WriteOnlyCell(ws, value=value)
    if cell.data_type == "f":  # as the ledger: text, never a formula
        cell.data_type = "s"
    cell.alignment = WRAP if n % 2 else TOP
    if isinstance(VALUES[n], date):  # a date column, as the ledger's (its empty cells keep the format)
        cell.number_format = "yyyy-mm-dd"
    return cell


def workbook(rows):
    """openpyxl's write-only workbook of `rows` (row 1 a header), each column styled like its first value."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append([f"列{n}" for n in range(len(rows[0]))])
    for r in rows:
        ws.append([styled(ws, v, n) for n, v in enumerate(r)])
    ws.auto_filter.ref = f"A1:R{len(rows) + 1}"
    return wb


def grid(data: bytes):
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[(c.value, c.data_type, c.number_format, c.alignment.wrap_text, c.alignment.vertical) for c in row]
            for row in ws.iter_rows()], ws.auto_filter.ref


@pytest.fixture
def rows():
    """Three rows, each column holding one kind of value (the writer styles by column, as the ledger does) or
    nothing (None, or empty text)."""
    other = ["督办〔2026〕2号", "<tag/>", "\n", "x ", "", "=1+2", "", "-", "@", "有", "", 3, 9, 0.125, False, True,
             date(2025, 12, 31), datetime(2026, 1, 1, 8, 0)]
    empty = ["", None, "", None, None, "", "", None, "", "", None, None, None, None, None, None, None, None]
    return [VALUES, other, empty]


def test_streamed_rows_read_back_as_openpyxls_own(rows, tmp_path):
    old = io.BytesIO()
    workbook(rows).save(old)
    sheet = xlsx_stream.Template(workbook(rows[:1]), "台账")  # the first row is the sample: styles only
    path = tmp_path / "new.xlsx"
    assert xlsx_stream.write(str(path), sheet, iter(rows), ref=lambda n: f"A1:R{n + 1}") == 3
    new_grid, new_ref = grid(path.read_bytes())
    old_grid, old_ref = grid(old.getvalue())
    assert new_grid == old_grid and new_ref == old_ref == "A1:R4"
    values = [c[0] for c in new_grid[1]]
    assert "第一行\r\n第二行\n第三行" in values and "  前后有空格 " in values and '=HYPERLINK("x")' in values
    assert all(c[1] == "s" for c in new_grid[1][:9])  # text stays text, formulas included


def test_the_sheet_is_compressed_and_written_a_block_at_a_time(rows, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_stream, "BLOCK", 2)
    writes = []
    real = zipfile.ZipFile.open

    def spy(self, name, mode="r", pwd=None, **kw):
        f = real(self, name, mode, pwd, **kw)
        if mode == "w" and str(getattr(name, "filename", name)).startswith("xl/worksheets/"):
            write = f.write
            f.write = lambda b: writes.append(len(b)) or write(b)
        return f
    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    path = tmp_path / "big.xlsx"
    n = xlsx_stream.write(str(path), xlsx_stream.Template(workbook(rows[:1]), "台账"), iter(rows * 5))
    assert n == 15 and len(writes) >= 15 // 2 + 2  # head, a block of two rows at a time, the tail
    sheet = next(i for i in zipfile.ZipFile(path).infolist() if i.filename.startswith("xl/worksheets/"))
    assert sheet.compress_type == zipfile.ZIP_DEFLATED and sheet.compress_size < sheet.file_size / 4


def test_characters_xml_cannot_carry_are_left_out(tmp_path):
    sheet = xlsx_stream.Template(workbook([["样本"]]), "台账")
    path = tmp_path / "ctl.xlsx"
    xlsx_stream.write(str(path), sheet, iter([["标题\x07带\x1b控制符\t制表"]]))
    assert load_workbook(path).worksheets[0]["A2"].value == "标题带控制符\t制表"
