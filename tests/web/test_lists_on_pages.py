"""Lists on the pages never stop silently: 我的待办 shows its count and pages on, and the board's "due soon" list
shows the first 20 with a link to the rest."""
from __future__ import annotations

import re

import pytest

N = 55


@pytest.fixture(scope="module")
def many(web_site):
    return [web_site.start("directive", {"title": f"事项{n:02d}", "instruction": "x"}, "leader") for n in range(N)]


def task_ids(html: str) -> list[str]:
    return re.findall(r'<li class="task card[^"]*" id="task-(\d+)"', html)


def test_my_tasks_show_the_count_and_page_on(desk_client, many):
    clerk = desk_client("clerk")
    first = clerk.get("/tasks").text
    assert len(task_ids(first)) == 50
    assert 'data-total="55"' in first and "第 1–50 项，共 55 项" in first
    assert '<span class="count">55</span>' in first
    assert 'rel="next" href="/tasks?tab=open&amp;page=2"' in first
    second = clerk.get("/tasks?tab=open&page=2").text
    assert len(task_ids(second)) == 5 and "第 51–55 项，共 55 项" in second and 'rel="next"' not in second
    assert 'rel="prev"' in second
    assert set(task_ids(first)).isdisjoint(task_ids(second))
    assert task_ids(clerk.get("/tasks?page=99").text) == task_ids(second)  # past the end: the last page
    assert task_ids(clerk.get("/tasks?page=x").text) == task_ids(first)
    en = desk_client("clerk", "en").get("/tasks?page=2").text
    assert "51–55 of 55" in en and "Page 2 of 2" in en


def test_the_board_shows_twenty_due_soon_and_links_to_the_rest(desk_client, many):
    leader = desk_client("leader")
    board = leader.get("/board").text
    table = board[board.index('id="upcoming"'):board.index("</table>", board.index('id="upcoming"'))]
    assert table.count("<tr data-item=") == 20 and 'data-total="55"' in table
    assert 'id="upcoming-all" href="/board?upcoming=all#upcoming"' in board and "查看全部 55 项" in board
    every = leader.get("/board?upcoming=all").text
    table = every[every.index('id="upcoming"'):every.index("</table>", every.index('id="upcoming"'))]
    assert table.count("<tr data-item=") == 55 and 'id="upcoming-all"' not in every
    filtered = leader.get("/board?definition=directive").text
    assert 'href="/board?definition=directive&amp;upcoming=all#upcoming"' in filtered
