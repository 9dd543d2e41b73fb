"""Forms offer what the step proposes: the incoming document's 转办 (dispatch) form is filled from the approved
proposal like the directive's 交办 form; and the new-item form refuses, in the same words, what `assign` would
refuse later (the lead also co-handling, a due date in the past)."""
from __future__ import annotations

import pytest

from engine.core.states import InputError
from engine.reads.items import open_task_for
from engine.reads.lists import count_items

DIRECTIVE = {"title": "落实安全生产大检查", "instruction": "请财务部牵头。", "leader": "leader", "lead_unit": "finance",
             "due": "2026-03-20", "priority": "normal"}


def card(html: str, step: str) -> str:
    start = html.index(f'data-step="{step}"')
    return html[start:html.index("</li>", start)]


def test_the_dispatch_form_is_filled_from_the_approved_proposal(web_site, desk_client):
    doc = web_site.start("incoming_document", {"title": "关于报送季度总结的通知", "sender": "市政府办公厅",
                                               "doc_number": "市府办〔2026〕3号", "received_on": "2026-03-02",
                                               "due": "2026-03-16"}, "clerk")
    web_site.act(open_task_for(web_site, doc, "register"), "submit", "clerk", {})
    web_site.act(open_task_for(web_site, doc, "propose"), "assign", "office",
                 {"lead": "service", "co": ["it"], "due": "2026-03-13"})
    web_site.act(open_task_for(web_site, doc, "instruct"), "agree", "leader", {"opinion": "同意"})
    for page in (desk_client("clerk").get("/tasks").text, desk_client("clerk").get(f"/items/{doc}").text):
        form = card(page, "dispatch")
        transfer = form[form.index('data-action="transfer"'):]
        assert '<option value="service" selected>' in transfer
        assert 'value="it" checked' in transfer and 'value="hr" checked' not in transfer
    assert "已按领导批准的拟办意见预填" in card(desk_client("clerk").get("/tasks").text, "dispatch")
    r = desk_client("clerk").post(f"/tasks/{open_task_for(web_site, doc, 'dispatch')}/act/transfer",
                                  {"lead": "service", "co": "it", "back": "tasks:open"})
    assert r.status_code == 303
    assert open_task_for(web_site, doc, "handle", unit="service") and open_task_for(web_site, doc, "handle", unit="it")


def test_the_new_directive_form_refuses_what_assign_would_refuse(web_site, desk_client, api_words):
    leader = desk_client("leader")
    before = count_items(web_site)
    r = leader.post("/new/directive", {**DIRECTIVE, "co_units": ["hr", "finance"]}, from_page="/new/directive")
    assert r.status_code == 422
    assert 'data-error-for="co_units"' in r.text and api_words["co"] in r.text
    r = leader.post("/new/directive", {**DIRECTIVE, "due": "2026-02-27"}, from_page="/new/directive")
    assert r.status_code == 422
    assert 'data-error-for="due"' in r.text and api_words["due"] in r.text
    assert count_items(web_site) == before  # nothing registered
    r = leader.post("/new/directive", {**DIRECTIVE, "co_units": ["hr"]}, from_page="/new/directive")
    assert r.status_code == 303 and count_items(web_site) == before + 1


def test_the_words_are_the_assign_actions_own(web_site, api_words):
    """The messages the form shows are exactly those `assign` gives when it refuses the same choice."""
    item = web_site.start("directive", {**DIRECTIVE, "title": "另一事项"}, "leader")
    web_site.act(open_task_for(web_site, item, "register"), "submit", "clerk", {})
    task = open_task_for(web_site, item, "assign")
    for data, field in (({"lead": "finance", "co": ["finance"], "due": "2026-03-20"}, "co"),
                        ({"lead": "finance", "co": [], "due": "2026-02-27"}, "due")):
        try:
            web_site.act(task, "assign", "office", data)
        except InputError as e:
            assert e.field == field and e.zh.split(": ", 1)[1] == api_words[field]
        else:
            raise AssertionError(f"assign took {data}")


@pytest.fixture(scope="module")
def api_words():
    return {"co": "主办单位不能同时是协办单位", "due": "办理时限不能早于今天"}
