"""我的待办 is read the way migration 0019 indexed it: the queue's tasks found through the holder indexes
(person, unit or role; state; due time) and each task's item by its key, never by scanning every task or every
item, on SQLite (EXPLAIN QUERY PLAN) and on PostgreSQL (EXPLAIN, with sequential scans priced out as a large
store would price them)."""
from __future__ import annotations

import sqlalchemy as sa

from engine.runtime import proxies
from engine.store import db, done_tab, lists as list_store, open_queue

NEW = {"ix_task_person_state_due", "ix_task_unit_state_due", "ix_task_role_state_due"}
QUEUE = {"ix_task_person_queue", "ix_task_unit_queue", "ix_task_role_queue"}  # (holder, state, urgency, due, id): 0022


def plan(conn, sel) -> str:
    sql = str(sel.compile(conn, compile_kwargs={"literal_binds": True}))
    if db.is_postgres(conn):
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
    return "\n".join(r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))


def test_a_unit_heads_queue_uses_the_holder_indexes_and_the_items_key(office):
    o = office
    for n in range(12):
        item = o.issue_directive(title=f"专项{n}", lead_unit=["finance", "hr"][n % 2], co_units=["it"])
        o.register_and_assign(item)
    site, now = o.site, o.site.clock.now()
    with db.read(site.eng) as conn:
        indexes = {ix["name"] for ix in sa.inspect(conn).get_indexes("task")}
        assert NEW <= indexes and not {"ix_task_person_state", "ix_task_unit_state"} & indexes
        for login in ("finance.head", "clerk", "it.staff1"):
            viewer = proxies.viewer(site, login, conn)
            c = list_store.T_TASK.c
            for state in ("open", "overdue"):
                text = plan(conn, list_store.tasks_of(sa.select(c.id), viewer, state, now))
                assert any(ix in text for ix in NEW | QUEUE), (login, state, text)
                if db.is_postgres(conn):
                    assert "Seq Scan on task" not in text and "Seq Scan on instance" not in text, text
                else:
                    assert "SCAN task" not in text.replace("SCAN task USING", "") and "SCAN instance" not in text, text
        assert len(list_store.task_refs(conn=conn, viewer=proxies.viewer(site, "finance.head", conn), state="open",
                                        now=now, limit=50)) == 6


CLOSED = {"ix_task_person_closed", "ix_task_unit_closed", "ix_task_role_closed"}


def test_the_done_tab_reads_each_holder_newest_closed_first_from_an_index(office):
    """已办 never sorts a person's history: every branch (one a holder) walks its (holder, closed_at, id) index
    backwards from the cursor and stops at the page; no branch scans the task table or sorts it."""
    o = office
    for n in range(6):
        item = o.issue_directive(title=f"已办{n}", lead_unit=["finance", "hr"][n % 2], co_units=["it"])
        o.register_and_assign(item)
        o.advance(hours=1)
    site, now = o.site, o.site.clock.now()
    with db.read(site.eng) as conn:
        assert CLOSED <= {ix["name"] for ix in sa.inspect(conn).get_indexes("task")}
        for login in ("finance.head", "clerk", "office"):
            viewer = proxies.viewer(site, login, conn)
            first = done_tab.done_refs(conn=conn, viewer=viewer, limit=3)
            for after in (None, (first[-1].closed_at, first[-1].id) if first else None):
                where, order = done_tab.done_phases(conn, viewer, after=after)[0]
                for sel in done_tab.done_branches(viewer, where=where, order=order, limit=50):
                    text = plan(conn, sel)
                    assert any(ix in text for ix in CLOSED), (login, text)
                    if db.is_postgres(conn):
                        assert "Seq Scan on task" not in text and "Sort" not in text.replace("Sort Key", ""), text
                    else:
                        assert "SCAN task" not in text.replace("SCAN task USING", "") and \
                            "TEMP B-TREE FOR ORDER BY" not in text, text
        clerk = proxies.viewer(site, "clerk", conn)
        pages, after = [], None
        while True:  # the clerk's six registrations, two a page, newest first, each once
            rows = done_tab.done_refs(conn=conn, viewer=clerk, limit=2, after=after)
            if not rows:
                break
            pages.append([r.id for r in rows])
            after = (rows[-1].closed_at, rows[-1].id)
        ids = [i for p in pages for i in p]
        assert len(pages) >= 3 and len(ids) == len(set(ids)) >= 6


def test_the_unread_badge_looks_up_each_notices_item_by_its_key(office):
    """Every page shows the person's unread count: their notices are found by (person, read_at) and each notice's
    item checked by its key, never by listing every item the person may see (main scanned the item table)."""
    o = office
    item = o.issue_directive(title="通知", lead_unit="finance", co_units=["it"])
    o.register_and_assign(item)
    site = o.site
    with db.read(site.eng) as conn:
        viewer = proxies.viewer(site, "finance.head", conn)
        n = list_store.T_NOTE.c
        text = plan(conn, sa.select(list_store.T_NOTE).where(n.person == viewer.login, n.read_at.is_(None),
                                                             list_store._about_visible(viewer)))
        if db.is_postgres(conn):
            assert "Seq Scan on instance" not in text and "Seq Scan on notification" not in text, text
        else:
            assert "SCAN instance" not in text and "ix_notification_person_read" in text, text
        assert [r.instance_id for r in list_store.notification_rows(conn=conn, viewer=viewer, unread_only=True,
                                                                    limit=200)] == [item]


def test_the_open_queue_reads_each_holder_in_its_order_from_the_queue_index(office):
    """我的待办's open and overdue tabs never sort a queue: every branch of every segment of the order (one holder, one
    open state, one urgency rank, due passed or to come or none) walks its (holder, state, urgency, due_at, id) index
    from the keyset and stops at the batch; no branch scans the task table or sorts it."""
    o = office
    for n in range(6):
        item = o.issue_directive(title=f"待办{n}", lead_unit=["finance", "hr"][n % 2], co_units=["it"],
                                 priority=["urgent", "normal"][n % 2])
        o.register_and_assign(item)
    site, now = o.site, o.site.clock.now()
    with db.read(site.eng) as conn:
        assert QUEUE <= {ix["name"] for ix in sa.inspect(conn).get_indexes("task")}
        for login in ("finance.head", "clerk", "office"):
            viewer = proxies.viewer(site, login, conn)
            for state in ("open", "overdue"):
                for rank, where in open_queue.segments(state, now):
                    for after in (None, (now, 7), (None, 7)):
                        if (after and after[0] is None) != (state == "open" and "IS NULL" in str(where)):
                            continue
                        for sel in open_queue.segment_statements(viewer, rank=rank, where=where, after=after,
                                                                 limit=51):
                            text = plan(conn, sel)
                            assert any(ix in text for ix in QUEUE), (login, state, text)
                            if db.is_postgres(conn):
                                assert "Seq Scan on task" not in text and "Sort" not in text, text
                            else:
                                assert "SCAN task" not in text.replace("SCAN task USING", "") \
                                    and "TEMP B-TREE" not in text, text
