"""Milestones (节点) on the item page, one line each (done / missed / due), given in the 交办 form as lines; the
Friday report asked for on 我的待办 (定期反馈) — in-process page clients, no browser."""
from __future__ import annotations

import re

from engine.reads.items import open_task_for

from tests.support.clock import at

DIRECTIVE = {"title": "全市安全生产大检查", "instruction": "请财务部牵头。", "leader": "leader", "lead_unit": "finance",
             "due": "2026-03-27", "milestones": "2026-03-04 摸底调查\n2026-03-11 形成整改方案\n2026-03-20 整改完成"}


def test_the_item_page_shows_milestones_and_my_tasks_asks_for_the_friday_report(web_site, web_clock, desk_client):
    web_clock.set(at("2026-03-02 09:30"))
    item = web_site.start("directive", DIRECTIVE, "leader")
    web_site.act(open_task_for(web_site, item, "register"), "submit", "clerk", {})
    assign = desk_client("office").get(f"/items/{item}").text
    # the 交办 form proposes the milestones given at issue, one a line
    assert "2026-03-04 摸底调查\n2026-03-11 形成整改方案\n2026-03-20 整改完成" in assign
    web_site.act(open_task_for(web_site, item, "assign"), "assign", "office",
                 {"lead": "finance", "due": "2026-03-27",
                  "milestones": "2026-03-04 摸底调查\n2026-03-11 形成整改方案\n2026-03-20 整改完成"})
    lead = open_task_for(web_site, item, "handle", unit="finance")
    web_site.act(lead, "accept", "finance.head", {})
    web_site.act(lead, "milestone_done", "finance.head", {"index": 1, "note": "已摸底"})
    web_clock.set(at("2026-03-13 10:00"))  # Friday: the second milestone is two days late
    html = desk_client("finance.head").get(f"/items/{item}").text
    states = re.findall(r'<li class="ms ms-(\w+)"', html)
    assert states == ["done", "missed", "due"]
    assert "逾期未完成" in html and "已完成" in html
    tasks = desk_client("finance.head").get("/tasks").text
    prompt = tasks[tasks.index('id="report-prompts"'):]
    assert "请于今日下班前反馈进展" in prompt[:prompt.index("</section>")]
    web_site.act(lead, "progress", "finance.head", {"text": "整改方案修改中", "percent": 50})
    assert 'id="report-prompts"' not in desk_client("finance.head").get("/tasks").text
