"""The slips the office prints: the notice of an item (督办通知单) and the chase slip of an overdue task (催办单), read
back with pdftotext: every field there, the chase rules in words from the definition, for whoever may see the item
(and nobody else), in Chinese or English; pages rendered to PNG in test-artifacts/."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from engine.runtime.sweep import sweep
from tests.support.clock import at

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pdf_text(content: bytes, name: str) -> str:
    """The PDF's text (pdftotext -layout, spaces squeezed); its first page as PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(path), str(ARTIFACTS / name)],
                   check=True, capture_output=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"[ \t]+", " ", text)


@pytest.fixture
def overdue_directive(office, clock, api):
    """A directive due Wednesday 4 March, accepted by Finance and left open; a week later, chased and carded."""
    item = office.issue_directive(title="落实安全生产大检查", instruction="请财务部牵头，人力资源部配合，3月4日前报送。",
                                  lead_unit="finance", co_units=["hr"], due="2026-03-04")
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    clock.set(at("2026-03-10 10:00"))
    sweep(office.site)
    return item


def test_the_notice_slip_says_what_whom_by_when_and_how_it_is_chased(api, overdue_directive):
    r = api.get(f"/instances/{overdue_directive}/notice.pdf", "finance.head")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%E7%9D%A3%E5%8A%9E%E9%80%9A%E7%9F%A5%E5%8D%95" in r.headers["content-disposition"]
    text = pdf_text(r.content, "notice-slip")
    for field in ("督办通知单", "督〔2026〕1号", "落实安全生产大检查", "请财务部牵头，人力资源部配合，3月4日前报送。", "王局长",
                  "主办单位 财务部", "协办单位 人力资源部", "2026年3月4日（星期三）前（自交办起共 2 个工作日）",
                  "到期前2个工作日提醒。", "超期后每1个工作日催办一次（最多 10 次）。", "超期3个工作日：亮黄牌，报办公室主任。",
                  "超期5个工作日：亮红牌，报领导。", "签发：", "签发日期：2026年3月10日（星期二）"):
        assert field in text, field
    english = pdf_text(api.get(f"/instances/{overdue_directive}/notice.pdf", "leader",
                               headers={"Accept-Language": "en"}).content, "notice-slip-en")
    assert "Supervision notice" in english and "Wednesday 4 March 2026" in english and "Finance" in english
    assert "3 working day(s) overdue: a yellow card, reported to" in english and "role:" not in english


def test_the_notice_is_only_for_those_who_may_see_the_item(api, overdue_directive):
    assert api.get(f"/instances/{overdue_directive}/notice.pdf", "it.staff1").status_code == 404
    assert api.get(f"/instances/{overdue_directive}/notice.pdf").status_code == 401
    assert api.get("/instances/0/notice.pdf", "leader").status_code == 422


def test_the_chase_slip_of_an_overdue_task(api, office, overdue_directive):
    task = office.task(overdue_directive, "handle", on="finance")
    r = api.get(f"/tasks/{task}/chase-slip.pdf", "clerk")
    assert r.status_code == 200, r.text
    text = pdf_text(r.content, "chase-slip")
    view = [t for t in office.view(overdue_directive)["tasks"] if t["id"] == task][0]
    squeezed = text.replace(" ", "")  # pdftotext keeps or drops the space between a figure and a Chinese word
    for field in ("催办单", "督〔2026〕1号", "落实安全生产大检查", "承办单位/人财务部", "2026年3月4日（星期三）",
                  "超期4个工作日", f"已催办{view['chase_count']}次", "亮牌黄牌", "反馈情况", "预计办结日期"):
        assert field in squeezed, field
    assert view["chase_count"] >= 1
    assert api.get(f"/tasks/{task}/chase-slip.pdf", "it.staff1").status_code == 404
    co = office.task(overdue_directive, "handle", on="hr")
    office.do("hr.head", overdue_directive, "handle", "accept", on="hr")
    office.do("hr.head", overdue_directive, "handle", "complete", on="hr", opinion="同意")
    refused = api.get(f"/tasks/{co}/chase-slip.pdf", "clerk")  # done: nothing to chase
    assert refused.status_code == 409 and "没有超期" in refused.json()["error"]["message"]
