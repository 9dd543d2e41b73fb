"""One visibility rule (invariant 8): over every demo person and every item of a varied office — unit leads, person
leads, transfers, co-handlers added and removed, confidential or not, people on leave with a proxy — an item is
listed (the item list, its search, the ledger as CSV and as a page) exactly when it can be read, exactly when
engine.core.policy.sees says so; a person's 我的待办 holds exactly the tasks of their queue (and of the queues of those
they stand in for, policy.in_queue) in items they can read; and a task's page link (/tasks/{id}) leads to its item
only for those who can read it, to the same "no such item" as a task that does not exist for everyone else."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from engine.core import policy, proxies as proxy_rules
from engine.core.org import Holder
from engine.runtime import proxies
from engine.store import db, items as item_store, lists as list_store, proxies as proxy_store
from tests.support.office import PASSWORD

DOC = {"sender": "市委组织部", "doc_number": "组通〔2026〕7号", "received_on": "2026-03-02", "due": "2026-03-16",
       "urgency": "urgent"}


def receive(office, title, *, confidential, lead, co=()):
    """A document registered by the clerk, proposed by the office director, agreed and dispatched to `lead`."""
    doc = office.site.start("incoming_document", {**DOC, "title": title, "confidential": confidential}, "clerk")
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead=lead, co=list(co), due="2026-03-16")
    office.do("leader", doc, "instruct", "agree")
    office.do("clerk", doc, "dispatch", "transfer", lead=lead, co=list(co))
    return doc


@pytest.fixture
def varied_office(office, api_site, clock):
    """The office's desk on an ordinary Tuesday: items in every shape the rule must get right, and people away:
    刘招聘 (hr.staff1) stands in for by 高网络 of IT, the service head by 郑会计 of finance; a proxy already over and
    one revoked lend nothing."""
    site = api_site
    today = site.cal.local_date(clock.now())
    proxies.give(site, by="hr.staff1", to="it.staff2", starts=today, until=today + timedelta(days=7))
    proxies.give(site, by="admin", principal="service.head", to="finance.staff1", starts=today,
                 until=today + timedelta(days=3))
    proxies.give(site, by="it.head", to="office.staff2", starts=date(2026, 2, 23), until=today + timedelta(days=30))
    proxies.give(site, by="finance.head", to="hr.staff2", starts=today, until=today)  # a one-day leave
    revoked = proxies.give(site, by="office.head", to="service.staff2", starts=today, until=today + timedelta(days=9))
    proxies.revoke(site, by="office.head", proxy_id=revoked["id"])
    office.advance(days=1)  # the finance head's one-day leave is over
    items = {
        "secret_to_a_person": receive(office, "人事调整（涉密，交刘招聘）", confidential=True, lead="hr.staff1"),
        "secret_to_a_unit": receive(office, "机要通报（涉密，信息技术部）", confidential=True, lead="it", co=["finance"]),
        "open_to_a_person": receive(office, "来文（交冯出纳）", confidential=False, lead="finance.staff2"),
        "secret_to_the_head": receive(office, "涉密来文（交何部长）", confidential=True, lead="service.head"),
    }
    # a confidential document the IT head hands on to one of his people
    moved = receive(office, "涉密来文（转林运维）", confidential=True, lead="it")
    office.do("it.head", moved, "handle", "transfer", on="it", to="it.staff1", reason="由林运维承办")
    items["secret_moved_to_a_person"] = moved
    # a directive led by finance; HR added as a co-handler, then IT removed again
    d = office.issue_directive(title="预算执行检查", lead_unit="finance", co_units=["it"])
    office.register_and_assign(d)
    office.do("finance.head", d, "handle", "accept", on="finance")
    office.do("finance.head", d, "handle", "add_cohandler", on="finance", unit="hr")
    office.do("finance.head", d, "handle", "remove_cohandler", on="finance", unit="it", reason="不涉及信息化")
    items["directive_with_cohandlers"] = d
    # a directive transferred from one unit to another
    t = office.issue_directive(title="客服热线整改", lead_unit="it", co_units=[])
    office.register_and_assign(t)
    office.do("it.head", t, "handle", "transfer", on="it", to="service", reason="属客服部职责")
    items["directive_transferred"] = t
    items["plain_directive"] = office.issue_directive(title="节能宣传周", lead_unit="office", co_units=[])
    # 抄送 and 传阅 make people involved: a confidential document copied to a staff member of HR, and one
    # circulated for reading (阅件) to the service unit and a finance clerk
    copied = office.site.start("incoming_document", {**DOC, "title": "涉密来文（抄送杨档案）", "confidential": True},
                               "clerk")
    office.do("clerk", copied, "register", "submit", cc=["hr.staff2"])
    items["secret_copied_to_a_person"] = copied
    read = office.site.start("incoming_document", {**DOC, "title": "涉密来文（传阅）", "confidential": True}, "clerk")
    office.do("clerk", read, "register", "submit")
    office.do("office", read, "propose", "circulate", to=["service", "finance.staff1"], order="sequential")
    items["secret_circulated"] = read
    return items


def truth(site, login):
    """What the core decides for `login`: {item id: may see}, and the ids of the tasks of their 我的待办."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        ids = range(1, list_store.count_items(conn=conn) + 1)  # a fresh database numbers items from 1
        snaps = [item_store.load_item_and_row(conn=conn, item_id=i, definition_of=site.definition) for i in ids]
        acting = proxy_rules.acting_for(proxy_store.active_proxies(conn=conn, now=now), login, now)
    viewer = policy.viewer(site.org, site.actor(login), acting)
    sees = {item.id: policy.sees(viewer, item, row.confidential) for item, row in snaps}
    queue = {t.id for item, _ in snaps if sees[item.id] for t in item.tasks
             if policy.queued_kind(t.kind) and policy.in_queue(viewer, t.holder)}
    return sees, queue, viewer


def signed_in_pages(client, login):
    """A browser session of `login` on the same site (the pages)."""
    pages = TestClient(client.app, follow_redirects=False)
    form = pages.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = pages.post("/login", data={"username": login, "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 303, r.text
    return pages


def test_listed_readable_and_can_see_agree_for_every_person_and_item(api, client, api_site, varied_office):
    site = api_site
    titles = {}
    with db.read(site.eng) as conn:
        every_task = {t.id: item.id for i in range(1, list_store.count_items(conn=conn) + 1)
                      for item in [item_store.load_item(conn=conn, item_id=i, definition_of=site.definition)]
                      for t in item.tasks}
    seen_by_someone, ledgers = set(), 0
    for login in sorted(site.org.people):
        sees, queued, viewer = truth(site, login)
        listed = {it["id"] for it in api.ok("GET", "/instances?per_page=100", login)["items"]}
        found = {it["id"] for it in api.ok("GET", "/instances?per_page=100&q=涉密", login)["items"]}
        readable = set()
        for item_id in sees:
            r = api.get(f"/instances/{item_id}", login)
            assert r.status_code in (200, 404), r.text
            if r.status_code == 200:
                readable.add(item_id)
                titles[item_id] = r.json()["title"]
        visible = {i for i, ok in sees.items() if ok}
        assert listed == readable == visible, login
        assert found == {i for i in visible if "涉密" in titles[i]}, login
        r = api.get("/supervision/ledger.csv?period=all", login)
        if r.status_code == 200:
            serials = {row[0] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))}
            ledger_ids = {i for i in visible if api.ok("GET", f"/instances/{i}", login)["serial"] in serials}
            assert ledger_ids == visible and len(serials) - 1 == len(visible), login
        tasks = [t for state in ("open", "done")
                 for t in api.ok("GET", f"/me/tasks?state={state}&per_page=200", login)]
        assert {t["instance_id"] for t in tasks} <= readable, login
        assert {t["id"] for t in tasks} == queued, login
        assert [t["on_behalf_of_login"] for t in tasks] == [
            policy.stood_in_for(viewer, Holder(**t["holder"])) for t in tasks], login
        notes = {n["instance_id"] for n in api.ok("GET", "/notifications", login)} - {None}
        assert notes <= visible, login
        pages = signed_in_pages(client, login)
        for task_id, item_id in every_task.items():
            where = pages.get(f"/tasks/{task_id}").headers["location"]
            assert where == (f"/items/{item_id}#task-{task_id}" if sees[item_id] else f"/items/0#task-{task_id}")
        assert pages.get("/tasks/999999").headers["location"] == "/items/0#task-999999"
        ledger = pages.get("/ledger?period=all")
        if ledger.status_code == 200:
            shown = {i for i in sees if titles.get(i, "\0") in ledger.text}
            assert shown == visible, login
            ledgers += 1
        seen_by_someone |= visible
    assert seen_by_someone == set(every_task.values()) and ledgers >= 5  # admin, leader, office director, clerk...