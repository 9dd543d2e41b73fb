"""A fast streaming writer of one-sheet XLSX files (the ledger's, issue 17): openpyxl lays the workbook out (styles,
widths, frozen header, print setup, footer, the header row) from a template holding the header and one sample row,
and this module writes the data rows' XML itself, straight into the zip as they come, the cells exactly as
openpyxl's write-only mode writes them (inline strings, dates as serial numbers, each column's style taken from
the sample row). openpyxl spends about 20 µs a cell on objects and styles; here a row is one formatted string.
Memory is bounded by one block of rows whatever the row count.

    sheet = Template(workbook_with_header_and_sample_row, sheet_name)   # the sample row is row 2
    write(path, sheet, rows, ref=lambda n: f"A1:S{n + 1}")             # rows: sequences of cell values

Values: str (text, never a formula: a leading "=" stays text), int, float, bool, date and datetime (as dates
and times, in the column's number format), None (an empty cell that keeps its style). Characters XML 1.0 cannot
hold (control characters other than tab, newline and carriage return) are left out, where openpyxl would refuse
the whole file."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.utils.datetime import to_excel

BLOCK = 200  # rows joined and compressed at a time
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_SAMPLE = re.compile(r'<row r="2"[^>]*>(.*?)</row>', re.S)
_STYLE = re.compile(r'<c r="([A-Z]+)2"(?: s="(\d+)")?')
_FILTER = re.compile(r'<autoFilter ref="[^"]*"/>')


class Template:
    """A workbook laid out by openpyxl (write-only or not) whose sheet `sheet_name` holds the header in row 1 and
    one sample row in row 2 (each cell styled as the column's data): what the streamed file keeps of it."""

    def __init__(self, wb: Workbook, sheet_name: str) -> None:
        buf = io.BytesIO()
        wb.save(buf)
        self.parts: list[tuple[zipfile.ZipInfo, bytes]] = []
        with zipfile.ZipFile(buf) as z:
            index = wb.sheetnames.index(sheet_name) + 1
            self.sheet_part = f"xl/worksheets/sheet{index}.xml"
            for info in z.infolist():
                self.parts.append((info, z.read(info)))
        xml = dict((i.filename, d) for i, d in self.parts)[self.sheet_part].decode("utf-8")
        sample = _SAMPLE.search(xml)
        if sample is None:
            raise ValueError("the template's sheet has no sample row 2")
        self.head, self.tail = xml[:sample.start()], xml[sample.end():]
        self.columns = [(letter, f' s="{s}"' if s else "") for letter, s in _STYLE.findall(sample.group(1))]


def write(path: str, sheet: Template, rows: Iterable[Sequence[Any]], *, ref: Callable[[int], str] | None = None,
          level: int = 6) -> int:
    """Write the workbook to `path`: the template's parts, its sheet with `rows` from row 2 (each as many values as
    the sample row has cells) and the autoFilter's ref set to `ref(number of rows)`; the number of rows."""
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for info, data in sheet.parts:
            if info.filename != sheet.sheet_part:
                z.writestr(info.filename, data)
                continue
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type, entry._compresslevel = zipfile.ZIP_DEFLATED, level  # as writestr does
            with z.open(entry, "w", force_zip64=True) as out:
                out.write(sheet.head.encode("utf-8"))
                block: list[str] = []
                for values in rows:
                    n += 1
                    block.append(row_xml(sheet.columns, n + 1, values))
                    if len(block) == BLOCK:
                        out.write("".join(block).encode("utf-8"))
                        block = []
                out.write("".join(block).encode("utf-8"))
                tail = sheet.tail
                if ref is not None:
                    tail = _FILTER.sub(f'<autoFilter ref="{ref(n)}"/>', tail)
                out.write(tail.encode("utf-8"))
    return n


def row_xml(columns: list[tuple[str, str]], r: int, values: Sequence[Any]) -> str:
    """One `<row>` as openpyxl's write-only mode writes it."""
    cells = []
    for (letter, style), v in zip(columns, values):
        at = f'<c r="{letter}{r}"{style}'
        if v is None:
            cells.append(f'{at} t="n"></c>')
        elif isinstance(v, str):
            if not v:
                cells.append(f'{at} t="inlineStr"></c>')
                continue
            if _ILLEGAL.search(v):
                v = _ILLEGAL.sub("", v)
            stripped = v.strip()
            space = ' xml:space="preserve"' if stripped and v != stripped else ""
            cells.append(f'{at} t="inlineStr"><is><t{space}>{v.translate(_ESCAPES)}</t></is></c>')
        elif isinstance(v, bool):
            cells.append(f'{at} t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, date):  # and datetime (naive: openpyxl refuses time zones too)
            if getattr(v, "tzinfo", None) is not None:
                raise TypeError("a cell cannot hold a datetime with a time zone")
            cells.append(f'{at} t="n"><v>{to_excel(v)}</v></c>')
        elif isinstance(v, (int, float)):
            cells.append(f'{at} t="n"><v>{v}</v></c>')
        else:
            raise TypeError(f"a cell cannot hold {type(v).__name__}")
    return f'<row r="{r}">{"".join(cells)}</row>'
