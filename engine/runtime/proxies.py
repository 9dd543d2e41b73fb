"""Proxies while on leave (代理), as a service: give one (for oneself, or an administrator for someone else),
revoke one, list a person's (given and received); and what every read and action asks of them — whom a person
stands in for now, and the person as a viewer and actor with that (engine.core.policy.viewer). Each change is one
transaction with its audit event (engine.store.audit). The rules are engine.core.proxies'."""
from __future__ import annotations

from datetime import date, datetime

from engine.core import policy, proxies as rules
from engine.core.model import Actor
from engine.core.policy import Viewer
from engine.core.proxies import Proxy
from engine.core.states import InputError, NotAllowed, NotFound
from engine.runtime.site import Site
from engine.store import audit, db, proxies as proxy_store
from engine.store.db import Connection


# ------------------------------------------------------------------ what reads and actions ask
def acting_for(site: Site, login: str, conn: Connection | None = None, now: datetime | None = None) -> list[str]:
    """Whom `login` stands in for now (read in `conn`, or a read transaction of its own)."""
    now = now or site.clock.now()
    if conn is None:
        with db.read(site.eng) as c:
            return rules.acting_for(proxy_store.active_proxies(conn=c, now=now, login=login), login, now)
    return rules.acting_for(proxy_store.active_proxies(conn=conn, now=now, login=login), login, now)


def actor(site: Site, login: str, conn: Connection | None = None) -> Actor:
    """The person as an actor, with the people they stand in for now."""
    a = site.actor(login)
    return Actor(a.login, a.unit, a.roles, frozenset(acting_for(site, login, conn)))


def viewer(site: Site, login: str, conn: Connection | None = None) -> Viewer:
    """The person as a viewer (the one visibility rule's input), with the people they stand in for now."""
    a = actor(site, login, conn)
    return policy.viewer(site.org, a, a.acting_for)


def active(site: Site, conn: Connection, now: datetime) -> list[Proxy]:
    """Every proxy in force at `now` (for notices: engine.core.proxies.recipients)."""
    return proxy_store.active_proxies(conn=conn, now=now)


# ------------------------------------------------------------------ giving, revoking, listing
def give(site: Site, *, by: str, to: str, starts: date | datetime | None, until: date | datetime, note: str = "",
         principal: str | None = None, lang: str = "zh") -> dict:
    """`by` names `to` to act for them (or, an administrator, for `principal`) over the period. InputError for a
    bad field, NotAllowed for someone else's proxy by a non-administrator, Conflict for an overlapping period."""
    who = principal or by
    if who != by:
        policy.require(site.actor(by), policy.ADMIN_ROLES, "仅系统管理员可为他人设置代理",
                       "only an administrator may name a proxy for someone else")
    if len(note) > rules.NOTE_MAX:
        raise InputError("note", f"事由最多 {rules.NOTE_MAX} 字", f"the note is at most {rules.NOTE_MAX} characters")
    now = site.clock.now()
    starts_at, ends = rules.period(starts, until, site.cal.tz, now)
    org = site.org
    with db.write(site.eng) as conn:
        rules.check_new(org, principal=who, proxy=to, starts_at=starts_at, until=ends, now=now,
                        existing=proxy_store.open_proxies_of(conn=conn, principal=who, after=starts_at))
        pid = proxy_store.insert_proxy(conn=conn, principal=who, proxy=to, starts_at=starts_at, until=ends,
                                       note=note, created_by=by, created_at=now)
        span_zh, span_en = _span(site, starts_at, ends)
        audit.record(conn=conn, at=now, actor=by, kind="proxy_given",
                     zh=f"{org.person_name(who)}委托{org.person_name(to)}代理（{span_zh}）",
                     en=f"{org.person_name(who, 'en')} named {org.person_name(to, 'en')} as proxy ({span_en})",
                     data={"proxy": pid, "principal": who, "to": to, "from": starts_at.isoformat(),
                           "until": ends.isoformat()})
        p = proxy_store.proxy(conn=conn, proxy_id=pid)
    return view(site, p, now, lang)  # type: ignore[arg-type]


def revoke(site: Site, *, by: str, proxy_id: int, lang: str = "zh") -> dict:
    """Revoke a proxy: its principal, its proxy, whoever gave it, or an administrator. NotFound for anyone else
    (a proxy one is not part of does not exist for them)."""
    now = site.clock.now()
    org = site.org
    with db.write(site.eng) as conn:
        p = proxy_store.proxy(conn=conn, proxy_id=proxy_id)
        if p is None or not _may_manage(site, by, p):
            raise NotFound("没有这条代理", "no such proxy", {"proxy": proxy_id})
        if not proxy_store.revoke(conn=conn, proxy_id=proxy_id, by=by, at=now):
            raise NotAllowed("该代理已撤销", "the proxy is already revoked", {"proxy": proxy_id})
        audit.record(conn=conn, at=now, actor=by, kind="proxy_revoked",
                     zh=f"撤销{org.person_name(p.principal)}对{org.person_name(p.proxy)}的代理委托",
                     en=f"revoked {org.person_name(p.proxy, 'en')} as proxy of {org.person_name(p.principal, 'en')}",
                     data={"proxy": proxy_id, "principal": p.principal, "to": p.proxy})
        p = proxy_store.proxy(conn=conn, proxy_id=proxy_id)
    return view(site, p, now, lang)  # type: ignore[arg-type]


def listing(site: Site, *, by: str, of: str | None = None, lang: str = "zh") -> dict:
    """A person's proxies, newest first: {"given": [...], "received": [...]}; `of` someone else: administrators."""
    who = of or by
    if who != by:
        policy.require(site.actor(by), policy.ADMIN_ROLES, "仅系统管理员可查看他人的代理",
                       "only an administrator may see someone else's proxies")
    now = site.clock.now()
    with db.read(site.eng) as conn:
        rows = proxy_store.proxies_of(conn=conn, login=who)
    return {"given": [view(site, p, now, lang) for p in rows if p.principal == who],
            "received": [view(site, p, now, lang) for p in rows if p.proxy == who]}


def _may_manage(site: Site, login: str, p: Proxy) -> bool:
    if login in (p.principal, p.proxy, p.created_by):
        return True
    person = site.org.people.get(login)
    return bool(person and person.roles & policy.ADMIN_ROLES)


def _span(site: Site, starts_at: datetime, until: datetime) -> tuple[str, str]:
    tz = site.cal.tz
    a, b = starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), until.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"{a} 至 {b}", f"{a} to {b}"


def view(site: Site, p: Proxy, now: datetime, lang: str = "zh") -> dict:
    """A proxy as the API shows it (times as instants and in local words)."""
    org, tz = site.org, site.cal.tz
    return {"id": p.id, "principal": p.principal, "principal_name": org.person_name(p.principal, lang),
            "to": p.proxy, "to_name": org.person_name(p.proxy, lang), "from": p.starts_at, "until": p.until,
            "local_from": p.starts_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "local_until": p.until.astimezone(tz).strftime("%Y-%m-%d %H:%M"), "note": p.note,
            "created_by": p.created_by, "created_at": p.created_at, "revoked_at": p.revoked_at,
            "revoked_by": p.revoked_by, "active": p.active(now)}
