"""The light (亮灯) on the pages, in words and not only in colour: 我的待办 and the item show 黄灯 with its reason, the
ledger has its 亮灯 column, and the board counts lights by unit and level and filters by level and light."""
from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def two(web_site):
    def issue(**subject):
        item = web_site.start("directive", {"title": "落实安全生产大检查", "instruction": "请抓紧落实。", "leader": "leader",
                                            "lead_unit": "service", "co_units": [], **subject}, "leader")
        task = lambda step: next(t for t in web_site_tasks(web_site, item) if t["step"] == step)  # noqa: E731
        web_site.act(task("register")["id"], "submit", "clerk", {})
        assign = task("assign")
        web_site.act(assign["id"], "assign", "office", assign["data"]["prefill"])
        return item
    return issue(title="客户服务满意度提升", due="2026-03-04"), issue(due="2026-03-27", level="flagged")


def web_site_tasks(site, item):
    from engine.reads import items as reads
    return reads.item_view(site, item, None)["tasks"]


def test_my_tasks_and_the_item_show_the_light_with_its_reason(desk_client, two):
    soon, later = two
    head = desk_client("service.head").get("/tasks").text
    chip = re.search(rf'data-item="{soon}".*?(<span class="chip light light-yellow"[^>]*>[^<]*</span>)', head, re.S)
    assert chip and "黄灯 · 距办理时限还有 2 个工作日" in chip.group(1)
    assert 'title="距办理时限还有 2 个工作日"' in chip.group(1)
    assert re.search(rf'data-item="{later}".*?light-green" data-light="green"[^>]*>绿灯 · 正常推进', head, re.S)
    item = desk_client("leader", "en").get(f"/items/{soon}").text
    assert 'data-light="yellow"' in item and "Yellow · due in 2 working days" in item


def test_the_ledger_and_the_board_show_lights_and_filter_by_them(desk_client, two):
    soon, later = two
    ledger = desk_client("clerk").get("/ledger").text
    assert "<th>亮灯</th>" in ledger and '<td data-light="yellow">黄灯（距办理时限还有 2 个工作日）</td>' in ledger
    flagged = desk_client("clerk").get("/ledger?level=flagged").text
    assert f'data-item="{later}"' in flagged and f'data-item="{soon}"' not in flagged
    yellow = desk_client("clerk").get("/ledger?light=yellow").text
    assert f'data-item="{soon}"' in yellow and f'data-item="{later}"' not in yellow
    board = desk_client("leader").get("/board").text
    assert 'id="lights"' in board and '<tr data-unit="service"><td>客户服务部</td><td>0</td><td>1</td><td>1</td></tr>' \
        in board.replace("\n", "")
    assert re.search(r'<tr data-level="flagged"><td><a href="/board\?level=flagged">挂牌督办</a></td><td>0</td><td>0</td>'
                     r'<td>1</td></tr>', board)
    assert '<option value="flagged">挂牌督办</option>' in board and '<option value="yellow">黄灯</option>' in board
