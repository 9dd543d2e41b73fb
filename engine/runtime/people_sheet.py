"""The staff spreadsheet as bytes: reading an uploaded XLSX or CSV into numbered rows (bounded: file size, rows,
columns, cell length), and the template an administrator fills in (登录名, 姓名, 单位, 角色, 类别, 邮箱, 手机, with a
second sheet listing the site's unit codes, roles and categories). The rows are checked in engine.core.people."""
from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import Workbook, load_workbook

from engine.core.dsl import ROLES
from engine.core.org import Org
from engine.core.people import MAX_SHEET_ROWS, SHEET_COLUMNS
from engine.core.states import InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 20
MAX_CELL = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def read_sheet(content: bytes, filename: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(row number, cells)]) of the first sheet of an XLSX file or of a CSV file (UTF-8, with or
    without BOM, or GB18030 as Excel saves it in China). At most MAX_SHEET_ROWS + 1 data rows are read (one more
    tells the checker that there were too many)."""
    if len(content) > MAX_BYTES:
        raise InputError("file", f"文件最大 {MAX_BYTES // 1024 // 1024} MB", f"the file holds at most {MAX_BYTES // 1024 // 1024} MB")
    if not content:
        raise InputError("file", "文件是空的", "the file is empty")
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        rows = _csv_rows(content)
    if not rows:
        raise InputError("file", "表格里没有内容", "the spreadsheet is empty")
    header = rows[0][1]
    return header, rows[1:]


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a phone number typed into Excel
    return str(v)[:MAX_CELL + 1]


def _xlsx_rows(content: bytes) -> list[tuple[int, list[str]]]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InputError("file", "无法读取该 XLSX 文件，请用模板另存为 .xlsx 或 .csv",
                         "the XLSX file cannot be read; save it as .xlsx or .csv from the template") from None
    try:
        ws = wb.worksheets[0]
        out = []
        for n, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if n > MAX_SHEET_ROWS + 2:
                break
            out.append((n, [_cell(v) for v in row]))
        return out
    finally:
        wb.close()


def _csv_rows(content: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError("file", "CSV 文件应为 UTF-8 或 GB18030 编码", "a CSV file is UTF-8 or GB18030")
    out = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            if n > MAX_SHEET_ROWS + 2:
                break
            out.append((n, [_cell(v) for v in row[:MAX_COLUMNS]]))
    except csv.Error as e:
        raise InputError("file", f"CSV 格式有误：{e}", f"the CSV is malformed: {e}") from None
    return out


def template(org: Org) -> bytes:
    """The import template: the header row to fill in, and a sheet 说明 (notes) with what the columns take."""
    wb = Workbook()
    ws = wb.active
    ws.title = "人员"
    ws.append([zh for zh, _ in SHEET_COLUMNS])
    for col, width in zip("ABCDEFG", (16, 12, 16, 24, 14, 26, 16)):
        ws.column_dimensions[col].width = width
    notes = wb.create_sheet("说明")
    notes.append(["列 Column", "说明", "Notes"])
    notes.append(["登录名", "必填；小写字母开头，2–64 个字符（字母、数字、. _ -）",
                  "required; 2–64 characters, a lower-case letter first (letters, digits, . _ -)"])
    notes.append(["姓名", "必填；最多 64 字", "required; at most 64 characters"])
    notes.append(["单位", "必填；单位代码或中文名称", "required; unit code or Chinese name"])
    notes.append(["角色", "必填；角色代码或中文名称，多个用 、 或 , 分隔", "required; role codes or names, separated by 、 or ,"])
    notes.append(["类别", "可空；考核类别代码或中文名称", "optional; appraisal category code or name"])
    notes.append(["邮箱", "可空", "optional"])
    notes.append(["手机", "可空", "optional"])
    notes.append([f"最多 {MAX_SHEET_ROWS} 行；有任何一行出错则全部不导入", "",
                  f"at most {MAX_SHEET_ROWS} rows; one bad row and nothing is imported"])
    notes.append([])
    notes.append(["单位代码 Unit code", "名称", "Name"])
    for u in org.units.values():
        notes.append([u.id, u.name_zh, u.name_en])
    notes.append([])
    notes.append(["角色代码 Role", "名称", "Name"])
    for code, (zh, en) in ROLES.items():
        notes.append([code, zh, en])
    if org.categories:
        notes.append([])
        notes.append(["类别代码 Category", "名称", "Name"])
        for code, (zh, en) in org.categories.items():
            notes.append([code, zh, en])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
