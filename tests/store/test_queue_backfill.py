"""Migration 0022 backfills every existing task's urgency rank from its item's subject (the pure rule,
engine.core.queue_order.urgency_rank): a store written before it gets 我的待办's order right at once."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from engine.core.queue_order import urgency_rank
from engine.store import db, items as item_store, lists as list_store
from tests.support.office import CONFIDENTIAL_DOC


def alembic(eng, conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(db.__file__).resolve().parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", eng.url.render_as_string(hide_password=False))
    cfg.attributes["connection"] = conn
    return cfg


def test_the_migration_ranks_the_tasks_of_every_urgency(office):
    o, site = office, office.site
    for urgency in ("very_urgent", "urgent", "normal"):
        doc = site.start("incoming_document", {**CONFIDENTIAL_DOC, "urgency": urgency, "title": f"来文{urgency}"},
                         "clerk")
        o.do("clerk", doc, "register", "submit")
    o.register_and_assign(o.issue_directive(title="紧急督办", priority="urgent"))
    with site.eng.connect() as conn:
        command.downgrade(alembic(site.eng, conn), "0021")
        conn.commit()
        assert "urgency" not in {c["name"] for c in sa.inspect(conn).get_columns("task")}
        command.upgrade(alembic(site.eng, conn), "head")
        conn.commit()
    with db.read(site.eng) as conn:
        t = list_store.T_TASK.c
        stored = dict(conn.execute(sa.select(t.id, t.urgency)).all())
        items = [item_store.load_item(conn=conn, item_id=i, definition_of=site.definition)
                 for i in range(1, list_store.count_items(conn=conn) + 1)]
    assert {stored[task.id] for it in items for task in it.tasks} == {0, 1, 2}
    assert all(stored[task.id] == urgency_rank(it.subject) for it in items for task in it.tasks)
