"""The search page (检索) in the browser: 许客服 types two characters of a report into the header's box and lands
on the results with the words highlighted; the header's box and the results fit a 360 px phone in both
languages."""
from __future__ import annotations

from engine.reads.items import open_task_for


def test_searching_from_the_header_and_the_page_on_a_phone(desks, web_site):
    item = web_site.start("directive", {"title": "改进客户热线服务", "instruction": "请客服部研究热线排队过长问题。",
                                        "leader": "leader", "lead_unit": "service", "co_units": [],
                                        "due": "2026-03-20"}, "leader")
    web_site.act(open_task_for(web_site, item, "register"), "submit", "clerk", {})
    web_site.act(open_task_for(web_site, item, "assign"), "assign", "office", {"lead": "service",
                                                                               "due": "2026-03-20"})
    for lang in ("zh", "en"):
        desk = desks("service.staff1", lang)
        page = desk.page
        page.set_viewport_size({"width": 360, "height": 740})
        desk.goto("/tasks")
        page.locator(".menu-button").click()  # on a phone the header's menu folds; the search box is in it
        box = page.locator("header .search-box input[name=q]")
        assert box.is_visible()
        box.fill("排队")
        box.press("Enter")
        page.wait_for_url("**/search?q=*")
        assert page.locator(".search-result mark").first.inner_text() == "排队"
        assert page.locator("#search-count").get_attribute("data-total") == "1"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, lang
