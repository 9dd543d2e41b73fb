"""我的待办's open queue read a page at a time (engine.store.open_queue) lists exactly the tasks, in exactly the order,
that the whole queue sorted by today's rule gives (engine.core.queue_order.queue_key: overdue first, the most
urgent, soonest due, no due date last, oldest task), for every person of an office with documents of every urgency,
directives urgent and not, due dates passed and to come, tasks held by people, units and roles, confidential items
a unit head queues but may not read, and people standing in for others on leave; every task carries its item's
urgency rank, and the rank follows the item when its subject changes."""
from __future__ import annotations

from engine.core import policy
from engine.core.codec import to_json
from engine.core.queue_order import queue_key, urgency_rank
from engine.reads import lists as listing
from engine.runtime import proxies
from engine.store import db, items as item_store, lists as list_store, open_queue
from tests.api.test_one_visibility_rule import DOC, receive, truth, varied_office  # noqa: F401 (a fixture)


def more_urgencies(office):
    """Documents 特急, 紧急 and ordinary, directives urgent and not, due on different days (some passed by now)."""
    for n, (urgency, due) in enumerate([("very_urgent", "2026-03-04"), ("normal", "2026-03-05"),
                                        ("urgent", "2026-03-30"), ("very_urgent", "2026-04-10"),
                                        ("normal", "2026-03-04")]):
        doc = office.site.start("incoming_document", {**DOC, "title": f"来文{n}", "confidential": n == 3,
                                                      "urgency": urgency, "due": due}, "clerk")
        office.do("clerk", doc, "register", "submit")
        office.do("office", doc, "propose", "assign", lead=["finance", "hr", "it"][n % 3], co=["service"], due=due)
        office.do("leader", doc, "instruct", "agree")
        office.do("clerk", doc, "dispatch", "transfer", lead=["finance", "hr", "it"][n % 3], co=["service"])
    for n, (priority, due) in enumerate([("urgent", "2026-03-06"), ("normal", "2026-03-25"), ("urgent", "2026-04-02")]):
        d = office.issue_directive(title=f"督办{n}", lead_unit=["finance", "it", "hr"][n], co_units=["office"],
                                   priority=priority, due=due)
        office.register_and_assign(d)
    office.site.start("incoming_document", {**DOC, "title": "待登记", "urgency": "very_urgent"}, "clerk")


def whole_queue_in_todays_order(site, login, state):
    """The queue as the core defines it (policy.in_queue in items policy.sees), sorted by queue_key."""
    now = site.clock.now()
    _, queued, _ = truth(site, login)
    keys = []
    with db.read(site.eng) as conn:
        for tid in queued:
            item = item_store.load_item(conn=conn, item_id=item_store.item_of_task(conn=conn, task_id=tid),
                                        definition_of=site.definition)
            t = item.task(tid)
            if t.state.value in list_store.OPEN and (state == "open" or (t.due_at and t.due_at < now)):
                keys.append(queue_key(state=t.state, due_at=t.due_at, rank=urgency_rank(item.subject), task_id=tid,
                                      now=now))
    return [k[-1] for k in sorted(keys)], keys


def test_the_paged_queue_equals_the_whole_queue_sorted_by_todays_rule(office, api_site, varied_office):
    site = api_site
    more_urgencies(office)
    office.advance(days=10)  # some due dates have passed, some not
    seen_keys = []
    for login in sorted(site.org.people):
        for state in ("open", "overdue"):
            expected, keys = whole_queue_in_todays_order(site, login, state)
            seen_keys += keys
            with db.read(site.eng) as conn:
                actor = proxies.actor(site, login, conn)
                viewer = policy.viewer(site.org, actor, actor.acting_for)
                paged, offset, more = [], 0, True
                while more:  # pages of 3: segments end and start inside pages, hidden rows are skipped
                    rows, more = open_queue.queue_page(conn=conn, viewer=viewer, state=state, now=site.clock.now(),
                                                       limit=3, offset=offset)
                    paged += [r.id for r in rows]
                    offset += 3
                total, _ = open_queue.queue_counts(conn=conn, viewer=viewer, state=state, now=site.clock.now())
                whole = [r.id for r in list_store.task_refs(conn=conn, viewer=viewer, state=state,
                                                            now=site.clock.now(), limit=500)]
            assert paged == expected == whole, (login, state)
            assert total == len(expected), (login, state)
            page = listing.task_rows(site, login=login, state=state, limit=50, counted=False)
            assert [r["id"] for r in page.rows] == expected[:50] and page.total == len(expected), (login, state)
    # the store was varied enough to tell orders apart: every rank, overdue and not, due dates and none
    assert {k[1] for k in seen_keys} == {-2, -1, 0} and {k[0] for k in seen_keys} == {0, 1}
    assert {k[2] for k in seen_keys} == {True, False}


def test_every_task_carries_its_items_rank_and_follows_a_changed_subject(office, api_site, varied_office):
    site = api_site
    more_urgencies(office)
    with db.read(site.eng) as conn:
        ids = range(1, list_store.count_items(conn=conn) + 1)
        items = [item_store.load_item(conn=conn, item_id=i, definition_of=site.definition) for i in ids]
        stored = dict(conn.execute(list_store.sa.select(list_store.T_TASK.c.id, list_store.T_TASK.c.urgency)).all())
    assert {stored[t.id] for it in items for t in it.tasks} == {0, 1, 2}
    for it in items:
        assert all(stored[t.id] == urgency_rank(it.subject) for t in it.tasks), it.title
    ordinary = next(it for it in items if it.subject.get("urgency") == "normal" and it.tasks)
    with db.write(site.eng) as conn:  # the subject edited on a running item: its tasks move up the queue
        assert item_store.update_item(conn=conn, item_id=ordinary.id, version=ordinary.version,
                                      changes={"subject": to_json({**ordinary.subject, "urgency": "very_urgent"})})
    with db.read(site.eng) as conn:
        t = list_store.T_TASK.c
        ranks = set(conn.execute(list_store.sa.select(t.urgency).where(t.instance_id == ordinary.id)).scalars())
    assert ranks == {2}
