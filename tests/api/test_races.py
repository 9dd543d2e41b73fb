"""Two people act on one task at the same moment, over real HTTP: one wins, and the other is told who acted first,
what they did and when (409 `conflict`), never a bare "not allowed" — whether or not their form sent its version."""
from __future__ import annotations

import threading

import httpx
import pytest

from api.app import create_app
from tests.support.office import PASSWORD
from tests.support.servers import serving

WHO = {"clerk": "赵督办"}


@pytest.fixture
def server(api_site):
    with serving(create_app(api_site)) as base:
        yield f"{base}/api/v1"


def signed_in(base: str, login: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=20)
    r = http.post("/auth/token", data={"username": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return http


def at_verification(api) -> dict:
    """A directive handled by finance and waiting for the clerk's verification (审核)."""
    item = api.directive_at_handle(co_units=[])
    handle = api.task("finance.head", item, "handle")
    api.act("finance.head", handle["id"], "accept")
    api.act("finance.head", handle["id"], "complete", report="自查完成，报告已上传")
    return api.task("clerk", item, "verify")


def both_at_once(base: str, task: dict, with_version: bool) -> dict[str, httpx.Response]:
    """The clerk approves and the leader cancels the same verification task at the same moment."""
    people = {"clerk": signed_in(base, "clerk"), "leader": signed_in(base, "leader")}
    bodies = {"clerk": ("approve", {}), "leader": ("cancel", {"reason": "情况已变化，不再督办"})}
    results: dict[str, httpx.Response] = {}
    barrier = threading.Barrier(2)

    def act(who: str) -> None:
        action, body = bodies[who]
        if with_version:
            body = {**body, "version": task["version"]}
        barrier.wait()
        results[who] = people[who].post(f"/tasks/{task['id']}/actions/{action}", json=body)

    threads = [threading.Thread(target=act, args=(who,)) for who in people]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return results


@pytest.mark.parametrize("with_version", [True, False], ids=["with version", "without version"])
def test_the_clerk_and_the_leader_act_at_once_and_the_loser_is_told_who_won(api, server, with_version):
    task = at_verification(api)
    results = both_at_once(server, task, with_version)
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {who: r.text for who, r in results.items()}
    winner = next(who for who, r in results.items() if r.status_code == 200)
    loser = next(who for who, r in results.items() if r.status_code == 409)
    error = results[loser].json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["winner"] == winner
    assert error["details"]["action"] == {"clerk": "approve", "leader": "cancel"}[winner]
    assert error["details"]["at"].startswith("2026-03-02T")
    assert {"clerk": "赵督办", "leader": "王局长"}[winner] in error["message"]


def test_the_second_to_act_on_a_task_already_done_is_told_who_did_it(api):
    task = at_verification(api)
    api.act("clerk", task["id"], "approve")
    r = api.post(f"/tasks/{task['id']}/actions/cancel", "leader", json={"reason": "情况已变化"})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"] | {"task": None, "version": None} == {
        "task": None, "version": None, "winner": "clerk", "winner_name": "赵督办", "action": "approve",
        "at": "2026-03-02T01:30:00+00:00"}
    assert error["message"] == "该任务已结束：赵督办已于 2026-03-02 09:30 执行“同意”，请刷新后查看" \
        "（Zhao (clerk) took 'Approve' on this task at 2026-03-02 09:30 first; reload to see it）"
    en = api.post(f"/tasks/{task['id']}/actions/cancel", "leader", json={"reason": "情况已变化"},
                  headers={"Accept-Language": "en"}).json()["error"]
    assert en["message"] == "Zhao (clerk) took 'Approve' on this task at 2026-03-02 09:30 first; reload to see it"


def test_acting_with_a_stale_form_names_who_changed_the_task(api):
    item = api.directive_at_handle(co_units=[])
    handle = api.task("finance.head", item, "handle")
    api.act("finance.head", handle["id"], "accept", version=handle["version"])
    r = api.post(f"/tasks/{handle['id']}/actions/return", "finance.head",
                 json={"reason": "应由人力资源部主办", "version": handle["version"]})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["details"]["winner"] == "finance.head"
    assert r.json()["error"]["details"]["action"] == "accept"


def test_a_refusal_that_is_no_race_stays_a_refusal(api):
    item = api.directive_at_handle(co_units=[])
    handle = api.task("finance.head", item, "handle")
    r = api.post(f"/tasks/{handle['id']}/actions/complete", "finance.head", json={"report": "完成"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"  # sign for it first


def test_the_winner_named_is_the_last_act_not_a_comment_or_a_reminder_after_it(api, site, clock):
    from engine.runtime.sweep import sweep
    from tests.support.clock import at

    item = api.directive_at_handle(co_units=[])
    handle = api.task("finance.head", item, "handle")
    api.act("finance.head", handle["id"], "accept", version=handle["version"])
    api.act("leader", handle["id"], "comment", text="请抓紧")
    clock.set(at("2026-03-18 09:00"))
    # 2 working days before Fri 20 March (the Friday progress report, 定期反馈, is another timer)
    assert [f.kind for f in sweep(site).fired if f.kind != "report"] == ["remind"]
    api.tokens.clear()  # a new day: sign in again
    r = api.post(f"/tasks/{handle['id']}/actions/return", "finance.head",
                 json={"reason": "应由人力资源部主办", "version": handle["version"]})
    assert r.status_code == 409, r.text
    details = r.json()["error"]["details"]
    assert (details["winner"], details["action"], details["at"]) == ("finance.head", "accept",
                                                                      "2026-03-02T01:30:00+00:00")


def test_a_co_handler_acting_on_an_item_just_cancelled_is_told_the_leader_cancelled_it(api):
    item = api.directive_at_handle(co_units=["hr"])
    lead = api.task("leader", item, "handle", holder={"unit": "finance"})
    hr = api.task("hr.head", item, "handle", holder={"unit": "hr"})
    api.act("leader", lead["id"], "cancel", reason="情况已变化，不再督办")
    r = api.post(f"/tasks/{hr['id']}/actions/accept", "hr.head", json={})
    assert r.status_code == 409, r.text
    details = r.json()["error"]["details"]
    assert (details["winner"], details["action"]) == ("leader", "cancel")
    assert "王局长" in r.json()["error"]["message"]
