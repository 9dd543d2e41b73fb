"""On paper, in a real Chromium (print media): the item page without the navigation, buttons or action forms, its
tasks table with a header that repeats on each page; its notice slip and chase slip links download PDFs; the board
offers the bulletin for its filters, and the ledger prints without its export buttons. The printed item page is
also saved as a PDF under test-artifacts/ (page.pdf, A4) and read back."""
from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from engine.cli.demo import Drill
from engine.reads.items import open_task_for

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def late_directive(site) -> int:
    item = site.start("directive", {"title": "消防通道专项整治", "instruction": "请客户服务部牵头整改。", "leader": "leader",
                                    "lead_unit": "service", "co_units": [], "due": "2026-03-04"}, "leader")
    site.act(open_task_for(site, item, "register"), "submit", "clerk", {})
    site.act(open_task_for(site, item, "assign"), "assign", "office",
             {"lead": "service", "co": [], "due": "2026-03-04"})
    return item


def test_the_printed_item_page_has_no_navigation(web_site, web_clock, desks):
    item = late_directive(web_site)
    Drill(web_site, web_clock).until(date(2026, 3, 10))
    clerk = desks("clerk")
    page = clerk.goto(f"/items/{item}")
    expect(page.locator("header.top")).to_be_visible()
    expect(page.locator("#notice-pdf")).to_be_visible()
    slip = page.locator(".chase-slip")
    expect(slip).to_have_count(1)
    with page.expect_download() as got:
        page.locator("#notice-pdf").click()
    assert got.value.suggested_filename.endswith(".pdf") and "督办通知单" in got.value.suggested_filename
    with page.expect_download() as got:
        slip.click()
    assert "催办单" in got.value.suggested_filename

    page.emulate_media(media="print")
    for hidden in ("header.top", "nav.main-nav", "footer.foot", "#notice-pdf", ".chase-slip",
                   ".tasks-table .actions"):
        for i in range(page.locator(hidden).count()):
            expect(page.locator(hidden).nth(i)).to_be_hidden()
    expect(page.locator("h1")).to_contain_text("消防通道专项整治")
    expect(page.locator(".tasks-table")).to_be_visible()
    assert page.locator(".tasks-table thead").evaluate("e => getComputedStyle(e).display") == "table-header-group"
    assert page.locator("button:visible").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "item-page-printed.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "消防通道专项整治" in text and "我的待办" not in text  # the title, but no navigation
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "pts (A4)" in size  # the @page size of the print block


def test_the_board_and_the_ledger_on_paper(web_site, desks):
    clerk = desks("clerk")
    page = clerk.goto("/board?period=quarter")
    expect(page.locator("#bulletin-docx")).to_have_attribute("href", "/board/bulletin.docx?period=quarter")
    with page.expect_download() as got:
        page.locator("#bulletin-pdf").click()
    assert got.value.suggested_filename.startswith("duban-bulletin") or "督查通报" in got.value.suggested_filename
    page.emulate_media(media="print")
    expect(page.locator("#bulletin-pdf")).to_be_hidden()
    expect(page.locator("#filters")).to_be_hidden()
    expect(page.locator("#counts")).to_be_visible()
    page = clerk.goto("/ledger")
    page.emulate_media(media="print")
    expect(page.locator("#export-xlsx")).to_be_hidden()
    expect(page.locator("#ledger")).to_be_visible()
    assert page.locator("#ledger thead").evaluate("e => getComputedStyle(e).display") == "table-header-group"
