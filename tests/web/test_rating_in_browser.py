"""办结评价 in a real Chromium on a phone: a directive closes; the leader finds 办结评价 on 我的待办 with one button
per choice (44 px tall at 360 px wide), taps 不满意 without a comment and is told to write one, writes it and taps
again; the item page shows 办结评价：不满意 with the comment."""
from __future__ import annotations

from playwright.sync_api import expect

from engine.reads import items as queries


def closed_directive(site) -> int:
    item = site.start("directive", {"title": "整治办公区消防通道", "instruction": "请办公室牵头，限期整改。",
                                    "leader": "leader", "lead_unit": "finance", "co_units": [], "due": "2026-03-20"},
                      "leader")
    for step, who, action, data in (("register", "clerk", "submit", {}),
                                     ("assign", "office", "assign", {"lead": "finance", "due": "2026-03-20"}),
                                     ("handle", "finance.head", "accept", {}),
                                     ("handle", "finance.head", "complete", {"report": "已清理完毕"}),
                                     ("verify", "clerk", "approve", {})):
        site.act(queries.open_task_for(site, item, step), action, who, data)
    return item


def test_the_leader_rates_unsatisfied_with_one_tap_on_a_phone(desks, web_site):
    item = closed_directive(web_site)
    leader = desks("leader")
    leader.page.set_viewport_size({"width": 360, "height": 780})
    card = leader.task("close", kind="rating")
    buttons = card.locator(".rate-choices button")
    expect(buttons).to_have_text(["满意", "基本满意", "不满意"])
    for i in range(3):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 360
    with leader.page.expect_navigation():
        card.locator("button[value=unsatisfied]").click()
    card = leader.page.locator("li.task[data-step='close'][data-kind='rating']")  # the page the refusal came back on
    expect(card.locator("[role=alert]")).to_contain_text("请填写评价意见")
    card.locator("textarea[name=comment]").fill("通道仍有杂物堆放")
    with leader.page.expect_navigation():
        card.locator("button[value=unsatisfied]").click()
    expect(leader.page.locator(f"li.task[data-item='{item}']")).to_have_count(0)
    leader.goto(f"/items/{item}")
    expect(leader.page.locator("#rating")).to_contain_text("不满意：通道仍有杂物堆放")
