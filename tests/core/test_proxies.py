"""Proxies while on leave (代理), decided without a database: who stands in for whom and when, which proxies may be
given, what a stand-in sees and acts on, and who is told of a chase."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core import policy, proxies
from engine.core.model import ItemSnap, TaskSnap
from engine.core.org import Holder
from engine.core.proxies import Proxy
from engine.core.states import Conflict, InputError, ItemState, Part, TaskKind, TaskState
from tests.core.test_visibility import ORG, actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)  # 09:30 in the office
DAY = timedelta(days=1)


def leave(principal="finance.staff1", proxy="it.staff1", starts=MONDAY, days=4, **kw) -> Proxy:
    return Proxy(1, principal, proxy, starts, starts + days * DAY, **kw)


def item_with(*holders: Holder, initiator="clerk") -> ItemSnap:
    tasks = [TaskSnap(i + 1, "handle", TaskKind.work, Part.single, h, TaskState.pending, None, MONDAY)
             for i, h in enumerate(holders)]
    return ItemSnap(1, None, {}, ItemState.running, {}, initiator, "handle", tasks)  # type: ignore[arg-type]


def test_a_proxy_stands_in_from_its_start_until_its_end_unless_revoked():
    p = leave()
    assert proxies.acting_for([p], "it.staff1", MONDAY - timedelta(seconds=1)) == []
    assert proxies.acting_for([p], "it.staff1", MONDAY) == ["finance.staff1"]
    assert proxies.stand_ins([p], "finance.staff1", MONDAY + 3 * DAY) == ["it.staff1"]
    assert proxies.acting_for([p], "it.staff1", MONDAY + 4 * DAY) == []  # the end is exclusive
    assert proxies.acting_for([leave(revoked_at=MONDAY)], "it.staff1", MONDAY + DAY) == []


def test_standing_in_does_not_chain():
    chain = [leave("finance.staff1", "it.staff1"), Proxy(2, "it.staff1", "hr.staff1", MONDAY, MONDAY + DAY)]
    assert proxies.acting_for(chain, "hr.staff1", MONDAY) == ["it.staff1"]


def test_dates_mean_whole_local_days_and_times_without_an_offset_are_local():
    starts, until = proxies.period(date(2026, 3, 3), date(2026, 3, 6), SHANGHAI, MONDAY)
    assert starts == datetime(2026, 3, 3, tzinfo=SHANGHAI) and until == datetime(2026, 3, 7, tzinfo=SHANGHAI)
    starts, until = proxies.period(None, datetime(2026, 3, 2, 18, 0), SHANGHAI, MONDAY)
    assert starts == MONDAY and until == datetime(2026, 3, 2, 18, 0, tzinfo=SHANGHAI)
    with pytest.raises(InputError):
        proxies.period(None, date.max, SHANGHAI, MONDAY)  # the day after the last date there is


@pytest.mark.parametrize("change, field", [
    ({"proxy": "finance.staff1"}, "to"),              # oneself
    ({"proxy": "left.the.office"}, "to"),             # not an active person (unknown or disabled)
    ({"principal": "left.the.office"}, "for"),
    ({"until": MONDAY}, "until"),                     # ends before it starts
    ({"until": MONDAY + 367 * DAY}, "until"),         # over a year
    ({"starts_at": MONDAY - 9 * DAY, "until": MONDAY - 2 * DAY}, "until"),  # already over
])
def test_a_proxy_that_breaks_a_rule_is_refused_naming_the_field(change, field):
    new = {"principal": "finance.staff1", "proxy": "it.staff1", "starts_at": MONDAY, "until": MONDAY + DAY,
           **change}
    with pytest.raises(InputError) as e:
        proxies.check_new(ORG, now=MONDAY, existing=[], **new)
    assert e.value.field == field


def test_a_person_has_one_proxy_at_a_time():
    taken = leave()
    with pytest.raises(Conflict):
        proxies.check_new(ORG, principal="finance.staff1", proxy="hr.staff2", starts_at=MONDAY + 3 * DAY,
                          until=MONDAY + 9 * DAY, now=MONDAY, existing=[taken])
    proxies.check_new(ORG, principal="finance.staff1", proxy="hr.staff2", starts_at=MONDAY + 4 * DAY,
                      until=MONDAY + 9 * DAY, now=MONDAY, existing=[taken])  # right after it: fine
    proxies.check_new(ORG, principal="finance.staff1", proxy="hr.staff2", starts_at=MONDAY,
                      until=MONDAY + 9 * DAY, now=MONDAY, existing=[leave(revoked_at=MONDAY)])


def test_a_stand_in_sees_and_queues_what_the_person_away_holds_and_nothing_more():
    mine = item_with(Holder(person="finance.staff1"))
    theirs = item_with(Holder(person="finance.staff2"))
    v = policy.viewer(ORG, actor("it.staff1"), ["finance.staff1"])
    assert policy.sees(v, mine, confidential=True)
    assert not policy.sees(v, theirs, confidential=True)
    assert not policy.sees(v, theirs, confidential=False)  # the principal's colleagues' items are not lent
    assert policy.in_queue(v, Holder(person="finance.staff1"))
    assert policy.stood_in_for(v, Holder(person="finance.staff1")) == "finance.staff1"
    assert policy.stood_in_for(v, Holder(person="it.staff1")) is None
    nobody = policy.viewer(ORG, actor("it.staff1"))
    assert not policy.sees(nobody, mine, confidential=True) and not policy.in_queue(nobody, mine.tasks[0].holder)


def test_a_unit_head_does_not_see_a_confidential_item_led_by_one_of_their_people():
    secret = item_with(Holder(person="hr.staff1"))
    head = policy.viewer(ORG, actor("hr.head"))
    assert policy.in_queue(head, Holder(person="hr.staff1"))  # in the queue by rank ...
    assert not policy.sees(head, secret, confidential=True)  # ... but hidden: 我的待办 leaves it out
    assert policy.sees(head, secret, confidential=False)


def test_a_chase_reaches_the_person_away_and_their_stand_in_if_both_may_see_the_item():
    item = item_with(Holder(person="finance.staff1"))
    active = [leave()]
    assert proxies.recipients(ORG, item, True, ["finance.staff1"], "chase", active, MONDAY) == \
        ["finance.staff1", "it.staff1"]
    assert proxies.recipients(ORG, item, True, ["finance.staff1"], "escalate", active, MONDAY) == \
        ["finance.staff1", "it.staff1"]
    assert proxies.recipients(ORG, item, True, ["finance.staff1"], "item_closed", active, MONDAY) == \
        ["finance.staff1"]  # only task notices go to stand-ins
    assert proxies.recipients(ORG, item, True, ["finance.staff1"], "chase", active, MONDAY + 9 * DAY) == \
        ["finance.staff1"]  # after the leave
    # an escalation of a confidential item to the leader, who is not involved, is not sent to them
    assert proxies.recipients(ORG, item, True, ["leader", "finance.staff1"], "escalate", [], MONDAY) == \
        ["finance.staff1"]
    assert proxies.recipients(ORG, item, False, ["leader"], "escalate", [], MONDAY) == ["leader"]
