"""Search over HTTP (GET /api/v1/search, the q of 我的待办 and of the ledger, the /search page): bounded input with
the limits in the message and the OpenAPI, highlighted snippets, totals that count only what the caller may see."""
from __future__ import annotations

from tests.api.test_one_visibility_rule import signed_in_pages


def test_the_clerk_finds_a_directive_by_a_word_of_its_instruction(api):
    item = api.directive_at_handle(title="规范公务用车管理", instruction="请财务部牵头清理超标车辆。")
    r = api.get("/search", "clerk", params={"q": "超标车辆"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["X-Total-Count"] == "1" and body["total"] == 1 and not body["capped"]
    hit = body["results"][0]
    assert hit["id"] == item and hit["serial"] == "督〔2026〕1号"
    assert hit["matches"][0] == {"field": "instruction", "label": "批示内容", "source": "item",
                                 "snippet": "请财务部牵头清理<mark>超标车辆</mark>。"}
    english = api.get("/search", "clerk", params={"q": "超标车辆"}, headers={"Accept-Language": "en"}).json()
    assert english["results"][0]["matches"][0]["label"] == "Instruction"


def test_snippets_are_escaped_html(api):
    item = api.directive_at_handle(title="<script>alert(1)</script> 网站改版")
    snippet = api.get("/search", "clerk", params={"q": "网站改版"}).json()["results"][0]["matches"][0]["snippet"]
    assert snippet == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>网站改版</mark>"
    assert item


def test_limits_are_refused_with_the_limit_in_the_message(api):
    r = api.get("/search", "clerk", params={"q": "检" * 101})
    assert r.status_code == 422
    r = api.get("/search", "clerk", params={"q": "检查", "per_page": 51})
    assert r.status_code == 422
    spec = api.client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/search"]["get"]["parameters"]
    q = next(p for p in spec if p["name"] == "q")
    assert q["schema"]["maxLength"] == 100 and "100" in q["description"]
    per_page = next(p for p in spec if p["name"] == "per_page")
    assert per_page["schema"]["maximum"] == 50
    assert api.get("/search", None, params={"q": "检查"}).status_code == 401


def test_a_confidential_document_is_neither_found_nor_counted_by_an_outsider(api):
    doc = api.start("clerk", "incoming_document", title="关于干部任免的通知")["id"]
    assert api.get("/search", "clerk", params={"q": "干部任免"}).json()["total"] == 1
    for q in ("干部任免", "收〔2026〕1号", "组织部"):
        r = api.get("/search", "service.staff1", params={"q": q})
        assert r.status_code == 200
        assert r.json()["total"] == 0 and r.json()["results"] == [] and r.headers["X-Total-Count"] == "0", q
    assert doc


def test_my_tasks_and_the_item_list_take_q(api):
    api.directive_at_handle(title="落实安全生产大检查")
    api.directive_at_handle(title="改进职工食堂服务")
    tasks = api.ok("GET", "/me/tasks", "finance.head", params={"q": "食堂"})
    assert {t["serial"] for t in tasks} == {"督〔2026〕2号"}
    items = api.ok("GET", "/instances", "clerk", params={"q": "督2026-1"})
    assert [x["serial"] for x in items["items"]] == ["督〔2026〕1号"]
    assert api.get("/instances", "clerk", params={"q": "x" * 101}).status_code == 422
    ledger = api.get("/supervision/ledger.csv", "clerk", params={"q": "职工食堂"}).content.decode("utf-8-sig")
    assert "督〔2026〕2号" in ledger and "督〔2026〕1号" not in ledger  # the ledger's q is the same search
    ledger = api.get("/supervision/ledger.csv", "clerk", params={"q": "2号"}).content.decode("utf-8-sig")
    assert "督〔2026〕2号" in ledger and "督〔2026〕1号" not in ledger


def test_the_search_page_and_the_header_box(api, client):
    api.directive_at_handle(title="改进职工食堂服务", instruction="请客服部研究改进方案，<b>尽快</b>答复。")
    client = signed_in_pages(client, "clerk")
    assert 'action="/search"' in client.get("/tasks").text  # the box in every page's header
    page = client.get("/search", params={"q": "尽快"}).text
    assert "<mark>尽快</mark>" in page and "&lt;b&gt;" in page and "<b>尽快" not in page
    assert 'data-total="1"' in page
    assert 'data-total="0"' in client.get("/search", params={"q": "不存在的说法"}).text
    head = signed_in_pages(client, "finance.head")
    assert 'data-task="' in head.get("/tasks", params={"q": "食堂"}).text
    tasks = head.get("/tasks", params={"q": "不存在的说法"}).text
    assert 'id="task-search"' in tasks and 'data-task="' not in tasks
