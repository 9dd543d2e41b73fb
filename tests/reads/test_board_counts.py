"""The board counted by the database (engine.reads.board) says exactly what today's loop over every item says
(tests/support/board_reference.py): on a varied store of a season's work (every state, late and on time,
transferred and returned work, work held by people, cards, chases, completion material, confidential items),
for every person who may see the board, narrowed every way the board and the ledger are, and grouped by leader,
source and level; and on an office fortnight driven through the workflow."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from api.routes.supervision import make_filters
from bench.board import fill
from engine.core.states import item_overdue
from engine.reads import supervision
from engine.reads.supervision import Filters
from engine.runtime import proxies
from engine.store import board as board_store, board_tally, db
from engine.store.tables import Task
from tests.support import board_reference

SUPERVISORS = ("clerk", "leader", "office", "admin")


def narrowings(site) -> list[Filters]:
    today = site.cal.local_date(site.clock.now())
    return [Filters(), Filters(unit="it"), Filters(unit="finance", state="running"), Filters(state="completed"),
            Filters(overdue=True), Filters(overdue=False), make_filters(site, period="month"),
            make_filters(site, period="quarter"), Filters(definition="incoming_document"),
            Filters(since=today - timedelta(days=40), until=today - timedelta(days=10)),
            Filters(until=today - timedelta(days=30)), Filters(q="督〔2026〕12号"),
            Filters(level="flagged"), Filters(light="red"), Filters(light="yellow", unit="it"),
            Filters(level="normal", state="completed"), Filters(light="green", state="completed")]


@pytest.fixture
def season(site, clock):
    """About 1,200 work tasks over the last 120 days, written in the engine's schema (bench.board.fill)."""
    made = fill(site, 1200, seed=7, now=clock.now(), days=120)
    assert made["items"] > 400
    t = Task.__table__.c
    with db.write(site.eng) as conn:  # the edges: due this very instant, closed at the very instant it was due
        conn.execute(sa.update(Task.__table__).where(t.id % 40 == 0, t.state.in_(["pending", "active"]))
                     .values(due_at=clock.now()))
        conn.execute(sa.update(Task.__table__).where(t.id % 40 == 1, t.state == "done", t.due_at.is_not(None))
                     .values(closed_at=t.due_at))
        board_tally.rebuild(conn=conn)  # rows changed around the engine's writers, as after a restore
    return site


def test_the_board_counted_by_the_database_equals_the_loop_over_every_item(season):
    site = season
    seen = Counter()
    for who in SUPERVISORS:
        for f in narrowings(site):
            new = supervision.summary(site, login=who, filters=f)
            old = board_reference.summary(site, login=who, filters=f)
            assert new == old, (who, f)
            seen["late"] += new["totals"]["late"]
            seen["on_time"] += new["totals"]["on_time"]
            seen["overdue"] += new["counts"]["overdue"]
            seen["cards"] += len(new["cards"])
            seen["upcoming"] += len(new["upcoming"])
            seen["weekly"] += sum(w["completed"] + w["overdue"] for w in new["weeks"])
            seen["material"] += new["counts"]["with_material"]
    assert all(seen[k] > 0 for k in ("late", "on_time", "overdue", "cards", "upcoming", "weekly", "material")), seen


def test_confidential_items_count_only_for_those_who_may_see_them(season):
    """The clerk and the admin see different confidential items (those they are involved in): the totals differ
    by exactly the confidential items each may see, as policy.sees says in the reference's load."""
    site = season
    totals = {who: supervision.summary(site, login=who)["counts"]["total"] for who in ("clerk", "admin")}
    assert totals["clerk"] != totals["admin"]


def _expected_groups(site, login: str, field: str, f: Filters) -> dict:
    """The groups from the reference's own load: items counted by the subject's value."""
    now = site.clock.now()
    with db.read(site.eng) as conn:
        items, tasks, _ = board_store.load(conn=conn, viewer=proxies.viewer(site, login, conn),
                                           narrowing=supervision.narrowing(site, f), now=now)
    out: dict = {}
    for it in items:
        key = (it.subject or {}).get(field) or None
        g = out.setdefault(key, {"total": 0, "running": 0, "closed": 0, "overdue": 0})
        g["total"] += 1
        g["running"] += it.state == "running"
        g["closed"] += it.state in supervision.FINISHED
        g["overdue"] += item_overdue(it.state, tasks[it.id], now)
    return out


@pytest.mark.parametrize("field", ["leader", "source", "level"])
def test_grouped_by_a_subject_field_with_unset_values_together(season, field):
    site = season
    for who in ("clerk", "leader"):
        for f in (Filters(), Filters(unit="hr"), make_filters(site, period="quarter")):
            s = supervision.summary(site, login=who, filters=f, group_by=field)
            got = {g["key"]: {k: g[k] for k in ("total", "running", "closed", "overdue")} for g in s["groups"]}
            assert got == _expected_groups(site, who, field, f)
            assert s["group_by"] == field
    names = {g["key"]: g["name"] for g in supervision.summary(site, login="clerk", group_by=field)["groups"]}
    assert names[None] == "未填"
    if field == "leader":
        assert names["leader"] == "王局长" and names["someone.gone"] == "someone.gone"
    if field == "level":
        assert names["flagged"] == "挂牌督办"


def test_grouped_by_unit_is_the_work_by_unit(season):
    s = supervision.summary(season, login="clerk", group_by="unit", lang="en")
    by_unit = {u["unit"]: u for u in s["by_unit"]}
    for g in s["groups"]:
        u = by_unit[g["key"]]
        assert (g["total"], g["closed"], g["overdue"], g["rate"], g["name"]) == (
            u["received"], u["closed"], u["overdue"], u["rate"], u["name"])


def test_an_office_fortnight_counts_the_same_both_ways(office, clock):
    """Directives handled on time, late, transferred inside a unit and to another, returned, a confidential
    document, and a sweep that cards what is overdue."""
    from engine.runtime.sweep import sweep
    from tests.support.clock import at
    from tests.support.office import CONFIDENTIAL_DOC
    o = office
    a = o.issue_directive(title="安全检查", lead_unit="finance", co_units=["hr"], due="2026-03-06")
    b = o.issue_directive(title="档案整理", lead_unit="hr", co_units=[], due="2026-03-05")
    c = o.issue_directive(title="网络升级", lead_unit="it", co_units=["service"], due="2026-03-04")
    d = o.issue_directive(title="热线改造", lead_unit="finance", co_units=[], due="2026-03-09")
    for item in (a, b, c, d):
        o.register_and_assign(item)
    o.site.start("incoming_document", dict(CONFIDENTIAL_DOC), "clerk")
    o.do("finance.head", a, "handle", "accept", on="finance")
    o.do("hr.head", a, "handle", "accept", on="hr")
    o.do("hr.head", a, "handle", "complete", on="hr", opinion="同意")
    o.do("it.head", c, "handle", "transfer", on="it", to="it.staff1", reason="请林运维承办")
    o.do("finance.head", d, "handle", "transfer", on="finance", to="service", reason="属客服部职责")
    clock.set(at("2026-03-05 15:00"))
    o.do("finance.head", a, "handle", "complete", on="finance", report="已完成")
    o.do("clerk", a, "verify", "approve")
    clock.set(at("2026-03-06 11:00"))
    o.do("hr.head", b, "handle", "accept", on="hr")
    o.do("hr.head", b, "handle", "complete", on="hr", report="补办完成")
    clock.set(at("2026-03-12 10:00"))
    sweep(o.site)
    for who in SUPERVISORS:
        for f in (Filters(), Filters(unit="it"), Filters(unit="service"), Filters(overdue=True),
                  Filters(since=date(2026, 3, 1), until=date(2026, 3, 31))):
            assert supervision.summary(o.site, login=who, filters=f) == \
                board_reference.summary(o.site, login=who, filters=f), (who, f)
    s = supervision.summary(o.site, login="leader")
    assert s["totals"]["late"] >= 1 and s["totals"]["on_time"] >= 1 and s["counts"]["overdue"] >= 1
