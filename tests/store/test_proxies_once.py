"""The proxies in force are read once per transaction (an action asks whom its caller stands in for, then each notice
asks who stands in for the people told), and a proxy given or revoked in the transaction is seen at once."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from engine.runtime import permissions
from engine.store import db, proxies as proxy_store


def _counting(site):
    seen: list[str] = []

    def count(conn, cursor, statement, params, context, many):  # noqa: ANN001
        if "FROM proxy" in statement:
            seen.append(statement)
    event.listen(site.eng, "before_cursor_execute", count)
    return seen, lambda: event.remove(site.eng, "before_cursor_execute", count)


def test_an_action_and_its_notices_read_the_proxies_once(office, site, clock):
    item = office.issue_directive()
    seen, stop = _counting(site)
    try:  # the clerk registers it (whom does the clerk stand in for?) and the office director is told (a notice)
        done = permissions.act_as(site, office.task(item, "register"), "submit", "clerk")
    finally:
        stop()
    assert done.events >= 1 and len(seen) == 1


def test_a_proxy_given_in_the_transaction_is_seen_by_the_next_read(site, clock):
    now = clock.now()
    with db.write(site.eng) as conn:
        assert proxy_store.active_proxies(conn=conn, now=now, login="hr.head") == []
        pid = proxy_store.insert_proxy(conn=conn, principal="hr.head", proxy="hr.staff1", starts_at=now,
                                       until=now + timedelta(days=3), note="年假", created_by="hr.head",
                                       created_at=now)
        assert [p.id for p in proxy_store.active_proxies(conn=conn, now=now, login="hr.staff1")] == [pid]
        assert proxy_store.revoke(conn=conn, proxy_id=pid, by="hr.head", at=now)
        assert proxy_store.active_proxies(conn=conn, now=now) == []


def test_the_next_transaction_reads_them_again(site, clock):
    now = clock.now()
    with db.write(site.eng) as conn:
        assert proxy_store.active_proxies(conn=conn, now=now) == []
    with db.write(site.eng) as conn:  # another process may have given one meanwhile: this is that
        proxy_store.insert_proxy(conn=conn, principal="it.head", proxy="it.staff1", starts_at=now,
                                 until=now + timedelta(days=1), note="", created_by="it.head", created_at=now)
    with db.read(site.eng) as conn:
        assert [p.proxy for p in proxy_store.active_proxies(conn=conn, now=now)] == ["it.staff1"]
