"""我的待办 is read the way migration 0019 indexed it: the queue's tasks found through the holder indexes
(person, unit or role; state; due time) and each task's item by its key, never by scanning every task or every
item, on SQLite (EXPLAIN QUERY PLAN) and on PostgreSQL (EXPLAIN, with sequential scans priced out as a large
store would price them)."""
from __future__ import annotations

import sqlalchemy as sa

from engine.runtime import proxies
from engine.store import db, lists as list_store

NEW = {"ix_task_person_state_due", "ix_task_unit_state_due", "ix_task_role_state_due"}


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
                text = plan(conn, list_store._tasks_of(sa.select(c.id), viewer, state, now))
                assert any(ix in text for ix in NEW), (login, state, text)
                if db.is_postgres(conn):
                    assert "Seq Scan on task" not in text and "Seq Scan on instance" not in text, text
                else:
                    assert "SCAN task" not in text.replace("SCAN task USING", "") and "SCAN instance" not in text, text
        assert len(list_store.task_refs(conn=conn, viewer=proxies.viewer(site, "finance.head", conn), state="open",
                                        now=now, limit=50)) == 6
