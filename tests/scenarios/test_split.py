"""任务分解: a directive split into three parts that roll up and close. The finance department leads the safety
inspection, splits it into its own self-check, a training by HR and a systems check by IT; the parts are handled,
chased and closed like any directive, the item shows them rolled up, and the lead completes once they are closed."""
from __future__ import annotations

import pytest

from engine.core.states import InputError, NotAllowed
from engine.reads import lists as listing

PARTS = [
    {"title": "财务部门安全自查", "lead": "finance.staff1", "due": "2026-03-13", "weight": 2,
     "instruction": "对金库、票据室开展自查"},
    {"title": "全员安全生产培训", "lead": "hr", "due": "2026-03-16", "weight": 1},
    {"title": "信息系统安全排查", "lead": "it", "co": ["service"], "due": "2026-03-18", "weight": 1},
]


def at_handling(office):
    item = office.issue_directive()
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    return item


def close_part(office, part, lead, on, report):
    office.do(lead, part, "handle", "accept", on=on)
    office.do(lead, part, "handle", "complete", on=on, report=report)
    office.do("clerk", part, "verify", "approve", comment="材料齐全")


def test_a_directive_split_into_three_parts_that_roll_up_and_close(office, site, clock):
    item = at_handling(office)
    office.do("finance.head", item, "handle", "split", on="finance", parts=PARTS)

    v = office.view(item)
    assert [(c["serial"], c["title"], c["lead"], c["state"]) for c in v["children"]] == [
        ("督〔2026〕1-1号", "财务部门安全自查", "郑会计", "running"),
        ("督〔2026〕1-2号", "全员安全生产培训", "人力资源部", "running"),
        ("督〔2026〕1-3号", "信息系统安全排查", "信息技术部", "running")]
    assert v["rollup"]["parts"] == 3 and v["rollup"]["open"] == 3 and v["rollup"]["progress"] == 0
    assert v["rollup"]["earliest_due"].date().isoformat() == "2026-03-13"
    assert any("分解为 3 项" in t for t in office.timeline(item))
    assert sum("分解事项 督〔2026〕1-" in t for t in office.timeline(item)) == 3

    first, second, third = (c["id"] for c in v["children"])
    child = office.view(first)
    assert child["parent"] == {"id": item, "serial": "督〔2026〕1号", "title": "落实安全生产大检查"}
    assert child["subject"]["instruction"] == "对金库、票据室开展自查"
    assert [(t["step"], t["part"], t["holder"]) for t in office.tasks(first, "handle")] == [
        ("handle", "lead", {"person": "finance.staff1"})]
    assert [(t["part"], t["holder"]) for t in office.tasks(third, "handle")] == [
        ("lead", {"unit": "it"}), ("co", {"unit": "service"})]
    # the next directive registered keeps the register's own numbering
    assert office.view(office.issue_directive(title="另一件事"))["serial"] == "督〔2026〕2号"

    office.do("finance.staff1", first, "handle", "accept", on="finance.staff1")
    office.do("finance.staff1", first, "handle", "progress", on="finance.staff1", text="金库已查", percent=50)
    # weighted: (2 × 50 + 1 × 0 + 1 × 0) / 4
    assert office.view(item)["rollup"]["progress"] == 25

    for unit in ("hr", "it"):
        office.do(f"{unit}.head", item, "handle", "accept", on=unit)
        office.do(f"{unit}.head", item, "handle", "complete", on=unit, opinion="同意")
    with pytest.raises(NotAllowed) as refused:
        office.do("finance.head", item, "handle", "complete", on="finance", report="已完成")
    assert "还有 3 项分解事项未办结" in refused.value.zh and "督〔2026〕1-3号《信息系统安全排查》" in refused.value.zh
    assert "3 part(s) still open" in refused.value.en

    office.do("finance.staff1", first, "handle", "complete", on="finance.staff1", report="自查完毕")
    office.do("clerk", first, "verify", "approve", comment="材料齐全")
    close_part(office, second, "hr.head", "hr", "培训已完成")
    office.do("service.head", third, "handle", "accept", on="service")
    office.do("service.head", third, "handle", "complete", on="service", opinion="配合完成")
    with pytest.raises(NotAllowed) as refused:
        office.do("finance.head", item, "handle", "complete", on="finance", report="已完成")
    assert "还有 1 项" in refused.value.zh and "1-3号" in refused.value.zh and "1-1号" not in refused.value.zh
    close_part(office, third, "it.head", "it", "排查完毕")

    rolled = office.view(item)["rollup"]
    assert (rolled["open"], rolled["closed"], rolled["progress"], rolled["earliest_due"]) == (0, 3, 100, None)
    office.do("finance.head", item, "handle", "complete", on="finance", report="三项分解任务均已办结")
    office.do("clerk", item, "verify", "approve", comment="同意销号")
    assert office.view(item)["state"] == "completed"


def test_parts_are_listed_by_parent_for_whoever_may_see_them(office, site):
    item = at_handling(office)
    office.do("finance.head", item, "handle", "split", on="finance", parts=PARTS)
    kids = listing.list_items(site, login="clerk", parent=item)
    assert sorted(i["serial"] for i in kids["items"]) == ["督〔2026〕1-1号", "督〔2026〕1-2号", "督〔2026〕1-3号"]
    # an HR staff member sees the HR part (their unit handles it), not the IT one
    mine = listing.list_items(site, login="hr.staff1", parent=item)
    assert "督〔2026〕1-2号" in [i["serial"] for i in mine["items"]]
    assert "督〔2026〕1-3号" not in [i["serial"] for i in mine["items"]]


def test_a_part_due_after_the_item_and_an_unknown_lead_are_refused_and_nothing_is_opened(office, site):
    item = at_handling(office)
    with pytest.raises(InputError) as bad:
        office.do("finance.head", item, "handle", "split", on="finance",
                  parts=[{"title": "晚了", "lead": "hr", "due": "2026-03-25"}])
    assert bad.value.field == "parts[1].due" and "不能晚于本事项的时限" in bad.value.zh
    with pytest.raises(InputError) as bad:
        office.do("finance.head", item, "handle", "split", on="finance",
                  parts=[PARTS[0], {"title": "谁办", "lead": "nobody", "due": "2026-03-16"}])
    assert bad.value.field == "parts[2].lead"
    with pytest.raises(InputError) as bad:
        office.do("finance.head", item, "handle", "split", on="finance", parts=[PARTS[1]] * 51)
    assert "最多分解为 50 项" in bad.value.zh
    assert office.view(item)["children"] == []


def test_parts_split_again_three_deep_and_no_further(office, site):
    item = at_handling(office)
    current, on, who = item, "finance", "finance.head"
    for depth in (1, 2, 3):
        office.do(who, current, "handle", "split", on=on,
                  parts=[{"title": f"第 {depth} 层", "lead": "hr", "due": "2026-03-16"}])
        current = office.view(current)["children"][0]["id"]
        on, who = "hr", "hr.head"
        office.do(who, current, "handle", "accept", on=on)
    assert office.view(current)["serial"] == "督〔2026〕1-1-1-1号"
    task = office.task(current, "handle", on="hr")
    assert "split" not in [a["name"] for a in
                           next(t for t in office.q.item_view(site, current, "hr.head")["tasks"] if t["id"] == task)
                           ["actions"]]
    with pytest.raises(NotAllowed):
        office.do(who, current, "handle", "split", on=on, parts=[{"title": "第 4 层", "lead": "it", "due": "2026-03-16"}])
