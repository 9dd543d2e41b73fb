"""The 已办 tab of 我的待办 on the page: newest closed first, 50 at a time, "older" to page on and "newest" to come
back, never a count of the person's whole history."""
from __future__ import annotations

import re
from datetime import timedelta

from engine.reads import items as queries
from engine.runtime import permissions

N = 53


def task_ids(html: str) -> list[int]:
    return [int(x) for x in re.findall(r'<li class="task card[^"]*" id="task-(\d+)"', html)]


def test_the_clerks_registrations_page_back_from_the_newest(web_site, web_clock, desk_client):
    closed = []
    for n in range(N):  # the clerk registers a directive every ten minutes
        item = web_site.start("directive", {"title": f"登记{n:02d}", "instruction": "x"}, "leader")
        task = queries.open_task_for(web_site, item, "register")
        permissions.act_as(web_site, task, "submit", "clerk", {})
        closed.append(task)
        web_clock.advance(timedelta(minutes=10))
    clerk = desk_client("clerk")
    first = clerk.get("/tasks?tab=done").text
    assert task_ids(first) == closed[::-1][:50]
    assert "按办结时间由近及远，本页 50 项" in first and 'data-total' not in first.split('id="task-count"')[1][:80]
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert older.startswith("/tasks?tab=done&after=") and 'rel="first"' not in first
    second = clerk.get(older).text
    assert task_ids(second) == closed[::-1][50:] and 'rel="next"' not in second
    assert 'rel="first" href="/tasks?tab=done"' in second
    assert task_ids(clerk.get("/tasks?tab=done&after=nonsense").text) == task_ids(first)  # a bad cursor: newest
    assert "Newest closed first, 50 on this page" in desk_client("clerk", "en").get("/tasks?tab=done").text
