"""The ledger workbook prints as an office expects: A4 landscape, fit to the page's width, the header row on every
page, the page number and the export time in the footer."""
from __future__ import annotations

import io

from openpyxl import load_workbook


def test_the_ledger_workbook_prints_on_a4_landscape(api):
    api.directive_at_handle(title="办公用房清理", lead_unit="finance", co_units=[])
    ws = load_workbook(io.BytesIO(api.get("/supervision/ledger.xlsx", "clerk").content)).active
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"  # 9: A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0) and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"  # the header row on every page
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and ws.oddFooter.right.text == "导出时间 2026-03-02 09:30"
    en = load_workbook(io.BytesIO(api.get("/supervision/ledger.xlsx", "clerk",
                                          headers={"Accept-Language": "en"}).content)).active
    assert en.oddFooter.center.text == "Page &P of &N" and en.oddFooter.right.text == "Exported 2026-03-02 09:30"
