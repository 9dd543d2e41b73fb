"""`GET /api/v1/supervision/summary`, `/ledger.xlsx` and `/ledger.csv`: who may ask, what they get, the same
filters as the ledger page, XLSX with Chinese text, dates as dates, widths and a frozen header, CSV in UTF-8
with a byte-order mark, and titles that look like formulas kept as text."""
from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.app import create_app
from engine.runtime.boot import demo_org_path, load_org_file
from tests.support.office import CHEAP_HASH, Api

HEADERS = ["编号", "事项", "来源/批示领导", "主办单位", "协办单位", "交办日期", "办理时限", "办理进展", "办结日期", "状态",
           "催办次数", "亮牌", "亮灯", "办结材料", "拟办意见", "领导批示", "缓急", "办复情况",
           "办结评价"]


@pytest.fixture
def api(site):
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    return Api(TestClient(create_app(site)))


@pytest.fixture
def two_items(api):
    first = api.directive_at_handle(title="=HYPERLINK(\"http://x\")", lead_unit="finance", co_units=["hr"])
    second = api.directive_at_handle(title="客户服务满意度提升", lead_unit="service", co_units=[], due="2026-03-04")
    return first, second


def test_the_summary_is_for_supervisors(api, two_items):
    s = api.ok("GET", "/supervision/summary", "office")
    assert s["counts"]["running"] == 2 and {u["unit"] for u in s["by_unit"]} >= {"finance", "service"}
    assert len(s["weeks"]) == 12 and s["weeks"][-1]["start"] == "2026-03-02"
    assert api.ok("GET", "/supervision/summary?unit=service", "leader")["counts"]["running"] == 1
    r = api.get("/supervision/summary", "finance.head")
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
    assert api.get("/supervision/summary").status_code == 401
    bad = api.get("/supervision/summary?since=2026-13-01", "leader")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["fields"] == ["since"]
    assert api.get("/supervision/summary?period=decade", "leader").status_code == 422


def test_the_ledger_as_xlsx(api, two_items):
    r = api.get("/supervision/ledger.xlsx", "clerk")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E5%8F%B0%E8%B4%A6" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws.title == "督办台账" and [c.value for c in ws[1]] == HEADERS
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:S3"  # R: 亮灯 added, S: 办结评价
    assert ws.column_dimensions["B"].width == 36 and ws.column_dimensions["H"].width == 44
    first, second = list(ws.iter_rows(min_row=2, values_only=True))
    assert first[0] == "督〔2026〕1号" and first[1] == "=HYPERLINK(\"http://x\")"  # text, never a formula
    assert ws["B2"].data_type == "s"
    assert first[3:5] == ("财务部", "人力资源部") and isinstance(first[5], datetime) and ws["G2"].is_date
    assert second[1] == "客户服务满意度提升" and second[9] == "办理中"
    english = api.get("/supervision/ledger.xlsx", "clerk", headers={"Accept-Language": "en"})
    ws = load_workbook(io.BytesIO(english.content)).active
    assert [c.value for c in ws[1]][:3] == ["No.", "Item", "Source / leader"] and ws["D2"].value == "Finance"


def test_the_ledger_as_csv_with_the_same_filters(api, two_items):
    r = api.get("/supervision/ledger.csv?unit=service", "clerk")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS and len(rows) == 2 and rows[1][1] == "客户服务满意度提升"
    assert rows[1][5] == "2026-03-02" and rows[1][6] == "2026-03-04" and rows[1][8] == ""
    everything = list(csv.reader(io.StringIO(api.get("/supervision/ledger.csv", "clerk").content.decode("utf-8-sig"))))
    assert everything[1][1] == "'=HYPERLINK(\"http://x\")"  # a spreadsheet would run it: kept as text
    xlsx = load_workbook(io.BytesIO(api.get("/supervision/ledger.xlsx?unit=service", "clerk").content)).active
    assert xlsx.max_row == 2  # the same filter, the same rows


def test_the_ledger_shows_only_what_the_caller_may_see(api, two_items):
    rows = list(csv.reader(io.StringIO(api.get("/supervision/ledger.csv", "finance.staff2").content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["督〔2026〕1号"]  # their unit's item, not the service one
    assert api.get("/supervision/ledger.xlsx").status_code == 401
