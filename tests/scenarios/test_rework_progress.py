"""After the clerk sends work back at verification (审核退回), the item shows what is true: nothing reported since
the rejection, then the new reports — never the 100 % of the rejected completion."""
from __future__ import annotations

from engine.reads import lists


def completed_and_rejected(office):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "progress", on="finance", text="已完成各部门自查", percent=60)
    office.do("finance.head", item, "handle", "complete", on="finance", report="自查报告已上报")
    assert office.view(item)["progress_percent"] == 100
    office.do("clerk", item, "verify", "reject", comment="缺少整改清单，请补充")
    return item


def listed(site, item):
    return next(r for r in lists.list_items(site, login="clerk")["items"] if r["id"] == item)


def test_a_rejected_completion_shows_no_progress_until_the_unit_reports_again(office, site):
    item = completed_and_rejected(office)
    v = office.view(item)
    assert v["current_step"] == "handle"
    assert v["progress_percent"] is None and v["progress"] is None
    assert listed(site, item)["progress_percent"] is None


def test_after_the_rejection_the_last_new_report_is_the_progress(office, site):
    item = completed_and_rejected(office)
    office.do("finance.head", item, "handle", "accept", on="finance")
    office.do("finance.head", item, "handle", "progress", on="finance", text="整改清单起草中", percent=30)
    office.do("finance.head", item, "handle", "progress", on="finance", text="整改清单已送审", percent=70)
    v = office.view(item)
    assert (v["progress_percent"], v["progress"]) == (70, "整改清单已送审")
    assert listed(site, item)["progress_percent"] == 70
    office.do("finance.head", item, "handle", "complete", on="finance", report="整改清单已补充")
    assert office.view(item)["progress_percent"] == 100
