"""Proxies while on leave (代理/委托), pure: who stands in for whom at `now`, whether a new proxy may be given, and
who receives a notice when the people it is for have stand-ins. The store keeps the rows (engine.store.proxies),
the service gives and revokes them (engine.runtime.proxies); visibility and the task queue take the result of
`acting_for` (engine.core.policy.viewer).

Rules: a person names someone else (never themselves) to act for them from `starts_at` until `until`
(exclusive, at most MAX_PERIOD later); both must be active people of the organisation; a person has at most one
proxy at any moment (an overlapping period is refused, naming the proxy it overlaps); standing in does not chain
(a proxy of a proxy acts only for the person who named them)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Iterable

from engine.core import policy
from engine.core.model import Actor, ItemSnap
from engine.core.org import Holder, Org
from engine.core.states import Conflict, InputError

MAX_PERIOD = timedelta(days=366)  # a proxy covers at most a year (a long leave is given again)
NOTE_MAX = 500                    # characters of the note (事由)
# notices that reach the stand-ins of the people they are for: new tasks, reminders, chases and escalations
STAND_IN_NOTICES = frozenset({"task_new", "remind", "due", "chase", "chase_manual", "escalate", "timeout"})


@dataclass(frozen=True)
class Proxy:
    """One proxy: `proxy` acts for `principal` from `starts_at` until `until` (exclusive), unless revoked."""

    id: int
    principal: str
    proxy: str
    starts_at: datetime
    until: datetime
    note: str = ""
    created_by: str = ""
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.starts_at <= now < self.until

    def overlaps(self, starts_at: datetime, until: datetime) -> bool:
        return self.revoked_at is None and self.starts_at < until and starts_at < self.until


def period(starts: date | datetime | None, until: date | datetime, tz: tzinfo, now: datetime
           ) -> tuple[datetime, datetime]:
    """A proxy's period as instants: `starts` (default now) from the start of a date or at a time; `until` through
    the end of a date (the next day's midnight, exclusive) or up to a time; naive times are local (the site's `tz`)."""
    def instant(x: date | datetime, end: bool) -> datetime:
        if isinstance(x, datetime):
            return x if x.tzinfo is not None else x.replace(tzinfo=tz)
        return datetime.combine(x + timedelta(days=1) if end else x, time(0), tz)
    try:
        return (now if starts is None else instant(starts, False)), instant(until, True)
    except (OverflowError, ValueError):
        raise InputError("until", "日期超出范围", "the date is out of range") from None


def acting_for(proxies: Iterable[Proxy], login: str, now: datetime) -> list[str]:
    """The people `login` stands in for at `now`, sorted."""
    return sorted({p.principal for p in proxies if p.proxy == login and p.active(now)})


def stand_ins(proxies: Iterable[Proxy], login: str, now: datetime) -> list[str]:
    """Who stands in for `login` at `now` (at most one by the overlap rule; a list all the same)."""
    return sorted({p.proxy for p in proxies if p.principal == login and p.active(now)})


def check_new(org: Org, *, principal: str, proxy: str, starts_at: datetime, until: datetime, now: datetime,
              existing: Iterable[Proxy]) -> None:
    """Refuse a proxy that breaks a rule (InputError naming the field, Conflict for an overlap); None if fine."""
    if principal not in org.people:
        raise InputError("for", f"没有在职人员“{principal}”", f"there is no active person {principal!r}")
    if proxy not in org.people:
        raise InputError("to", f"代理人“{proxy}”不存在或已停用", f"the proxy {proxy!r} is not an active person")
    if proxy == principal:
        raise InputError("to", "不能委托本人代理", "you cannot name yourself as your proxy")
    if until <= starts_at:
        raise InputError("until", "结束时间须晚于开始时间", "until must be after from")
    if until - starts_at > MAX_PERIOD:
        raise InputError("until", f"代理期限最长 {MAX_PERIOD.days} 天", f"a proxy covers at most {MAX_PERIOD.days} days")
    if until <= now:
        raise InputError("until", "代理期限已过", "the period is already over")
    clash = next((p for p in existing if p.principal == principal and p.overlaps(starts_at, until)), None)
    if clash is not None:
        raise Conflict("该期间已有代理人，请先撤销", "someone already stands in during this period; revoke it first",
                       {"proxy": clash.id, "to": clash.proxy})


def recipients(org: Org, item: ItemSnap, confidential: bool, logins: Iterable[str], kind: str,
               proxies: Iterable[Proxy], now: datetime, created: Iterable[Holder] = ()) -> list[str]:
    """Who receives a notice of `kind` about `item` meant for `logins`: those people, and (for STAND_IN_NOTICES)
    whoever stands in for them now; then only those who may see the item (the one rule, policy.sees; `created`:
    holders of tasks created in the same transaction, which involve them already)."""
    created = list(created)
    proxies = list(proxies)
    out = list(dict.fromkeys(logins))
    if kind in STAND_IN_NOTICES:
        out += [s for login in list(out) for s in stand_ins(proxies, login, now) if s not in out]
    seen = []
    for login in dict.fromkeys(out):
        p = org.people.get(login)
        if p is None:
            continue
        v = policy.viewer(org, Actor(login, p.unit, p.roles), acting_for(proxies, login, now))
        if policy.sees(v, item, confidential, created):
            seen.append(login)
    return seen
