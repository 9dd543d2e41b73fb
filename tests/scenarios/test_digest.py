"""People who asked for one digest (督办汇总) get their escalations in it, like their reminders and chases — one
message per sweep, not a message per card."""
from __future__ import annotations

import sqlalchemy as sa

from engine.runtime.sweep import sweep
from engine.store import db
from engine.store.tables import Notification, Person

from tests.scenarios.test_chases import daily
from tests.support.clock import at


def wants_a_digest(site, *logins):
    with db.write(site.eng) as c:
        c.execute(Person.__table__.update().where(Person.__table__.c.login.in_(logins)).values(digest=True))
    site.reload()


def inbox(site, person):
    with db.read(site.eng) as c:
        t = Notification.__table__
        return [(r.kind, r.body) for r in c.execute(sa.select(t.c.kind, t.c.body).where(t.c.person == person)
                                                     .order_by(t.c.id))]


def test_the_office_director_gets_the_days_yellow_cards_in_one_digest(office, site, clock):
    wants_a_digest(site, "office")
    a = office.issue_directive(title="事项甲", co_units=[])
    b = office.issue_directive(title="事项乙", co_units=[], lead_unit="hr")
    office.register_and_assign(a)
    office.register_and_assign(b)
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24")
    before = len(inbox(site, "office"))
    clock.set(at("2026-03-25 18:00"))  # three working days overdue: two yellow cards
    assert sorted(f.kind for f in sweep(site).fired if "office" in f.recipients) == ["escalate", "escalate"]
    new = inbox(site, "office")[before:]
    assert [kind for kind, _ in new] == ["digest"]
    assert "事项甲" in new[0][1] and "事项乙" in new[0][1] and new[0][1].count("黄牌") == 2


def test_a_holder_on_a_digest_gets_the_chase_and_the_card_together(office, site, clock):
    wants_a_digest(site, "finance.head")
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24")
    before = len(inbox(site, "finance.head"))
    clock.set(at("2026-03-25 18:00"))
    sweep(site)
    new = inbox(site, "finance.head")[before:]
    assert [kind for kind, _ in new] == ["digest"]
    assert "已超期 3 个工作日" in new[0][1] and "请于 2026年3月25日（星期三）前反馈进展" in new[0][1]
    assert "亮黄牌" in new[0][1]


def test_someone_without_a_digest_still_gets_each_card_at_once(office, site, clock):
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24")
    before = len(inbox(site, "office"))
    clock.set(at("2026-03-25 18:00"))
    sweep(site)
    assert [kind for kind, _ in inbox(site, "office")[before:]] == ["escalate"]
