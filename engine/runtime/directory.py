"""Directory sign-in and sync (LDAP / Active Directory), with ldap3; no SQL here (the rows: engine.store.org).

Sign-in (`applies`, `check`): when DUBAN_LDAP_URL is set, a login that is not a local password account (the
`admin` account always stays local) is searched with the service account (DUBAN_LDAP_BIND_DN, the login escaped
into DUBAN_LDAP_USER_FILTER), then the password is checked by binding as the person's own DN. An empty password
is refused before the directory is asked, so an unauthenticated bind can never count as a success. On success the
person is created here (role staff) or updated (name, mail, unit, DN; roles stay as set here); the directory
password is never stored. A directory that cannot be reached, or that refuses the service account, raises
DirectoryDown (503 on the API), never a success. Certificates (ldaps://, or StartTLS with DUBAN_LDAP_START_TLS)
are always verified, against the system's CAs or DUBAN_LDAP_CA_FILE.

Sync (`sync`): `duban org sync-ldap` brings units (organizationalUnit entries under DUBAN_LDAP_UNIT_BASE) and
people over: new, changed, and disabled (a person with a DN who is no longer found is deactivated and their tokens
revoked), as one audited transaction; `plan` computes the changes without writing (--dry-run)."""
from __future__ import annotations

import logging
import math
import ssl
from dataclasses import dataclass, field
from datetime import datetime

from ldap3 import NONE, SUBTREE, Connection as LdapConnection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars

from engine.core.org import Holder
from engine.core.states import DubanError
from engine.runtime import people
from engine.runtime.site import Site
from engine.settings import Settings, ldap_attribute_map, settings
from engine.store import audit, db, org as org_store

log = logging.getLogger("duban.directory")
LOCAL_ONLY = frozenset({"admin"})  # always signs in with its local password
MAX_LOGIN, MAX_NAME, MAX_UNIT, MAX_DN, MAX_MAIL = 64, 200, 64, 512, 254
UNASSIGNED = ("unassigned", "待分配", "Unassigned")  # the unit of a new person whose entry names none
UNAVAILABLE = (51, 52)  # busy, unavailable: the directory's own way of saying "not now"


class DirectoryDown(DubanError):
    """The directory cannot be reached or refuses the service account: nobody signs in through it now."""

    code = "directory_unavailable"

    @classmethod
    def because(cls, why: str) -> "DirectoryDown":
        return cls("目录服务（LDAP）暂时无法使用，请稍后再试；本地账号仍可登录",
                   "the directory (LDAP) cannot be reached now; try again later — local accounts still sign in",
                   {"reason": why})


class NotConfigured(DubanError):
    code = "directory_not_configured"


@dataclass(frozen=True)
class Entry:
    """A person as the directory has them (`unit`: the raw value of the unit attribute)."""

    dn: str
    login: str
    name: str
    mail: str | None
    unit: str


@dataclass(frozen=True)
class DirUnit:
    dn: str
    id: str
    name_zh: str
    name_en: str


# ------------------------------------------------------------------ the ldap3 client
class Directory:
    """One configured directory; every call opens its own connection (bounded by DUBAN_LDAP_TIMEOUT)."""

    def __init__(self, s: Settings):
        if not s.ldap_url:
            raise NotConfigured("未配置目录服务：请设置 DUBAN_LDAP_URL 等 DUBAN_LDAP_* 变量",
                                "no directory is configured: set DUBAN_LDAP_URL and the other DUBAN_LDAP_* settings")
        self.s, self.attrs = s, ldap_attribute_map(s.ldap_attrs)
        # certificates are always verified (ldap3's default is not to): the system's CAs or DUBAN_LDAP_CA_FILE
        try:
            tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=s.ldap_ca_file)
        except LDAPException as e:  # DUBAN_LDAP_CA_FILE missing or unreadable
            raise DirectoryDown.because(f"DUBAN_LDAP_CA_FILE: {e}") from None
        self.server = Server(s.ldap_url, connect_timeout=s.ldap_timeout, get_info=NONE, tls=tls)

    def _connection(self, user: str | None, password: str | None) -> LdapConnection:
        return LdapConnection(self.server, user=user, password=password, raise_exceptions=False, read_only=True,
                              receive_timeout=math.ceil(self.s.ldap_timeout), auto_referrals=False)

    def _bind(self, conn: LdapConnection) -> bool:
        """Open (with StartTLS when asked: a refused upgrade is an outage, never a plain-text bind) and bind."""
        conn.open(read_server_info=False)
        if self.s.ldap_start_tls and not conn.start_tls(read_server_info=False):
            raise DirectoryDown.because(f"StartTLS refused: {conn.result.get('description')}")
        return conn.bind(read_server_info=False)

    def _service(self) -> LdapConnection:
        """A connection bound as the service account (anonymous when DUBAN_LDAP_BIND_DN is unset)."""
        conn = self._connection(self.s.ldap_bind_dn, self.s.ldap_bind_password)
        if not self._bind(conn):
            conn.unbind()
            raise DirectoryDown.because(f"service bind refused: {conn.result.get('description')}")
        return conn

    def _person(self, item: dict) -> Entry | None:
        a = item["attributes"]
        login, name = first(a, self.attrs["login"]), first(a, self.attrs["name"])
        if not login or not name or len(login) > MAX_LOGIN or len(item["dn"]) > MAX_DN or "\x00" in login:
            return None
        mail = first(a, self.attrs["mail"])
        return Entry(item["dn"], login, name[:MAX_NAME], mail if mail and len(mail) <= MAX_MAIL else None,
                     first(a, self.attrs["unit"]))

    def _search(self, conn: LdapConnection, base: str, flt: str, attrs: list[str], *, size: int = 0) -> list[dict]:
        if size:
            conn.search(base, flt, SUBTREE, attributes=attrs, size_limit=size)
            found = conn.response or []
        else:  # everyone: paged, as Active Directory answers at most 1000 entries per page
            found = conn.extend.standard.paged_search(base, flt, SUBTREE, attributes=attrs, paged_size=500,
                                                      generator=False) or []
        code = conn.result.get("result", 0)
        if code in UNAVAILABLE or (code not in (0, 4, 32)):  # 4: size limit reached, 32: no such object
            raise DirectoryDown.because(f"search refused: {conn.result.get('description')}")
        return [r for r in found if r.get("type") == "searchResEntry"]

    def _call(self, work):
        try:
            return work()
        except (LDAPException, OSError) as e:
            log.warning("directory %s: %s", self.s.ldap_url, e)
            raise DirectoryDown.because(type(e).__name__) from None

    def authenticate(self, login: str, password: str) -> Entry | None:
        """The person's entry when the login is found exactly once and the password binds as them; else None."""
        if not password or not login:
            return None  # an empty password would be an unauthenticated bind: never a success

        def work() -> Entry | None:
            conn = self._service()
            try:
                flt = self.s.ldap_user_filter.replace("{login}", escape_filter_chars(login))
                found = self._search(conn, self.s.ldap_base_dn, flt, self._person_attrs(), size=2)
            finally:
                conn.unbind()
            entry = self._person(found[0]) if len(found) == 1 else None
            if entry is None or entry.login != login:
                return None  # exactly as the directory spells it: `ZhangSan` must not be a sixth try at zhangsan
            user = self._connection(entry.dn, password)
            try:
                ok = self._bind(user) and user.result.get("result") == 0
                if not ok and user.result.get("result") in UNAVAILABLE:
                    raise DirectoryDown.because(f"user bind: {user.result.get('description')}")
            finally:
                user.unbind()
            return entry if ok else None
        return self._call(work)

    def people(self) -> tuple[list[Entry], list[str]]:
        """Everyone the filter finds (the login slot widened to *), and the DNs of entries that cannot be a person
        here (no login or name, or too long)."""
        def work():
            conn = self._service()
            try:
                found = self._search(conn, self.s.ldap_base_dn, self.s.ldap_user_filter.replace("{login}", "*"),
                                     self._person_attrs())
            finally:
                conn.unbind()
            entries = [(r["dn"], self._person(r)) for r in found]
            return [e for _, e in entries if e], [dn for dn, e in entries if e is None]
        return self._call(work)

    def units(self) -> list[DirUnit]:
        """The organizationalUnit entries under DUBAN_LDAP_UNIT_BASE (none when it is unset), the base itself
        excluded."""
        base = self.s.ldap_unit_base
        if not base:
            return []
        id_attr, name_attr = self.attrs["unit_id"], self.attrs["unit_name"]

        def work():
            conn = self._service()
            try:
                found = self._search(conn, base, "(objectClass=organizationalUnit)", [id_attr, name_attr])
            finally:
                conn.unbind()
            out = []
            for r in found:
                uid = first(r["attributes"], id_attr)
                if uid and r["dn"].lower() != base.lower() and len(uid) <= MAX_UNIT:
                    out.append(DirUnit(r["dn"], uid, (first(r["attributes"], name_attr) or uid)[:MAX_NAME], uid))
            return out
        return self._call(work)

    def _person_attrs(self) -> list[str]:
        return [self.attrs[k] for k in ("login", "name", "mail", "unit")]


def first(attributes: dict, name: str) -> str:
    """The first value of an attribute as text ('' when absent)."""
    v = attributes.get(name)
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return str(v).strip() if v is not None else ""


def configured() -> bool:
    return bool(settings().ldap_url)


# ------------------------------------------------------------------ sign-in
def applies(site: Site, login: str) -> bool:
    """Whether this login signs in through the directory: one is configured, and the login is not `admin` nor a
    local account with a password and no DN (a person with a DN, or unknown here, is asked of the directory)."""
    if not configured() or login in LOCAL_ONLY:
        return False
    with db.read(site.eng) as conn:
        kind = org_store.account_kind(conn=conn, login=login)
    return kind is None or kind.directory_dn is not None or not kind.has_password


def check(site: Site, login: str, password: str, *, now: datetime) -> tuple[bool, str]:
    """(signed in?, the login as the directory spells it). Creates or updates the person on success (audited);
    raises DirectoryDown when the directory cannot answer. A person deactivated here stays out."""
    entry = Directory(settings()).authenticate(login, password)
    if entry is None:
        return False, login
    with db.read(site.eng) as conn:
        known = org_store.people_for_directory(conn=conn).get(entry.login)
        units = org_store.unit_names(conn=conn)
    if known is not None and (entry.login in LOCAL_ONLY or (known.has_password and known.directory_dn is None)):
        return False, login  # the directory's twin of a local password account never signs in as it
    unit_id = unit_for(entry.unit, units, None if known is None else known.unit_id)
    new_unit = new_unit_for(entry.unit) if unit_id is None else None
    unit_id = new_unit.id if new_unit is not None else unit_id
    changes = person_changes(known, entry, unit_id)
    if changes:
        with db.write(site.eng) as conn:
            if new_unit is not None:
                org_store.put_unit(conn=conn, unit_id=new_unit.id, name_zh=new_unit.name_zh,
                                   name_en=new_unit.name_en)
            org_store.put_directory_person(conn=conn, login=entry.login, dn=entry.dn, name=entry.name,
                                           mail=entry.mail, unit_id=unit_id)
            org_store.bump_stamp(conn=conn, now=now)  # other processes see the person within a few seconds
            new = known is None
            audit.record(conn=conn, at=now, actor=entry.login, kind="person_from_directory",
                         zh=f"{'新建' if new else '更新'}目录人员 {entry.login}（{entry.name}）：{'、'.join(changes)}",
                         en=f"{'created' if new else 'updated'} directory person {entry.login}: {', '.join(changes)}",
                         data={"login": entry.login, "dn": entry.dn, "new": new, "fields": changes,
                               "new_unit": new_unit.id if new_unit is not None else None})
        site.reload()
    return entry.login in site.org.people, entry.login


def new_unit_for(value: str) -> DirUnit:
    """The unit a new person's entry names but this site lacks: from DUBAN_LDAP_UNIT_BASE when found there, else
    one named by the value itself (待分配 when the entry names none)."""
    if not value:
        return DirUnit("", *UNASSIGNED)
    for u in Directory(settings()).units():
        if value in (u.id, u.name_zh):
            return u
    return DirUnit("", value[:MAX_UNIT], value[:MAX_NAME], value[:MAX_NAME])


def unit_for(value: str, units: dict[str, tuple[str, str]], current: str | None) -> str | None:
    """The local unit id an entry's unit value names (by id, then by Chinese or English name); else the person's
    current unit; else None."""
    if value in units:
        return value
    by_name = [uid for uid, (zh, en) in units.items() if value and value in (zh, en)]
    return by_name[0] if len(by_name) == 1 else current


def person_changes(known, entry: Entry, unit_id: str) -> list[str]:
    """The fields a directory entry changes on the local person ('new' for someone not here yet)."""
    if known is None:
        return ["new"]
    return [name for name, here, there in (("name", known.name_zh, entry.name), ("mail", known.email, entry.mail),
                                           ("unit", known.unit_id, unit_id), ("dn", known.directory_dn, entry.dn))
            if here != there]


# ------------------------------------------------------------------ sync
@dataclass
class Plan:
    """What `duban org sync-ldap` changes (or would change)."""

    new_units: list[DirUnit] = field(default_factory=list)
    renamed_units: list[DirUnit] = field(default_factory=list)
    new_people: list[tuple[Entry, str]] = field(default_factory=list)  # (entry, unit id)
    changed_people: list[tuple[Entry, str, list[str]]] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    kept_local: list[str] = field(default_factory=list)  # local password accounts the directory also has
    skipped: list[str] = field(default_factory=list)  # DNs that cannot be a person here

    def empty(self) -> bool:
        return not (self.new_units or self.renamed_units or self.new_people or self.changed_people or self.disabled)

    def summary(self) -> dict:
        return {"new_units": [u.id for u in self.new_units], "renamed_units": [u.id for u in self.renamed_units],
                "new_people": [e.login for e, _ in self.new_people],
                "changed_people": {e.login: f for e, _, f in self.changed_people}, "disabled": self.disabled}

    def lines(self) -> list[str]:
        out = [f"新增单位 new unit: {u.id} {u.name_zh}" for u in self.new_units]
        out += [f"单位改名 renamed unit: {u.id} → {u.name_zh}" for u in self.renamed_units]
        out += [f"新增人员 new person: {e.login} {e.name} ({unit})" for e, unit in self.new_people]
        out += [f"变更人员 changed person: {e.login} {e.name}: {', '.join(f)}" for e, _, f in self.changed_people]
        out += [f"停用人员 disabled person: {login} (不在目录中 no longer in the directory)" for login in self.disabled]
        out += [f"保留本地账号 kept local account: {login}" for login in self.kept_local]
        out += [f"跳过条目 skipped entry (no login or name): {dn}" for dn in self.skipped]
        return out


def plan(people_here: dict, units_here: dict[str, tuple[str, str]], entries: list[Entry], dir_units: list[DirUnit],
         skipped: list[str]) -> Plan:
    """The changes that bring this site in step with the directory (pure: rows in, plan out)."""
    p = Plan(skipped=list(skipped))
    units = dict(units_here)
    for u in dir_units:
        if u.id not in units and any(u.name_zh == zh for zh, _ in units.values()):
            continue  # here already under another id (财务部 is `finance`): people find it by its name
        if u.id not in units:
            p.new_units.append(u)
        elif units[u.id][0] != u.name_zh:
            p.renamed_units.append(u)
        units[u.id] = (u.name_zh, units.get(u.id, (u.name_zh, u.name_en))[1])
    seen: set[str] = set()
    for e in sorted(entries, key=lambda e: e.login):
        if e.login in seen:
            p.skipped.append(e.dn)  # the same login twice: neither may take the other's account
            continue
        seen.add(e.login)
        known = people_here.get(e.login)
        if known is not None and (e.login in LOCAL_ONLY or (known.has_password and known.directory_dn is None)):
            p.kept_local.append(e.login)
            continue
        if known is not None and not known.active:
            continue  # deactivated here: stays so (re-enabling is an administrator's act)
        unit = unit_for(e.unit, units, None if known is None else known.unit_id)
        if unit is None:
            if e.unit:
                unit = e.unit[:MAX_UNIT]
                p.new_units.append(DirUnit("", unit, e.unit[:MAX_NAME], e.unit[:MAX_NAME]))
            else:
                unit = UNASSIGNED[0]
                if unit not in units:
                    p.new_units.append(DirUnit("", *UNASSIGNED))
            units[unit] = (e.unit or UNASSIGNED[1], e.unit or UNASSIGNED[2])
        changes = person_changes(known, e, unit)
        if known is None:
            p.new_people.append((e, unit))
        elif changes:
            p.changed_people.append((e, unit, changes))
    p.disabled = sorted(login for login, r in people_here.items()
                        if r.active and r.directory_dn is not None and login not in seen)
    return p


def sync(site: Site, *, dry_run: bool) -> Plan:
    """Bring units and people over from the directory (one transaction, one audit event); with dry_run only say
    what would change. Refuses to disable anyone when the directory returns nobody at all (a wrong base or filter
    must not empty the office)."""
    d = Directory(settings())
    entries, skipped = d.people()
    dir_units = d.units()
    with db.read(site.eng) as conn:
        people_here, units_here = org_store.people_for_directory(conn=conn), org_store.unit_names(conn=conn)
    p = plan(people_here, units_here, entries, dir_units, skipped)
    if not entries and p.disabled:
        raise DirectoryDown("目录中没有找到任何人员，为防误停用，未做任何更改：请检查 DUBAN_LDAP_BASE_DN 和 DUBAN_LDAP_USER_FILTER",
                            "the directory returned nobody; nothing was changed rather than disable everyone: "
                            "check DUBAN_LDAP_BASE_DN and DUBAN_LDAP_USER_FILTER", {"reason": "no people"})
    if dry_run or p.empty():
        return p
    now = site.clock.now()
    with db.write(site.eng) as conn:
        for u in p.new_units + p.renamed_units:
            name_en = u.name_en if u in p.new_units else units_here[u.id][1]
            org_store.put_unit(conn=conn, unit_id=u.id, name_zh=u.name_zh, name_en=name_en)
        for e, unit in p.new_people + [(e, unit) for e, unit, _ in p.changed_people]:
            org_store.put_directory_person(conn=conn, login=e.login, dn=e.dn, name=e.name, mail=e.mail, unit_id=unit)
        handed_over = {}
        for login in p.disabled:  # a leaver's open tasks go back to their unit's queue first (批量转办), then they stop
            handed_over[login] = people.hand_over(
                site, conn, leaver=login, to=Holder(unit=people_here[login].unit_id), by=None, now=now,
                why=("已不在目录中（停用）", "is no longer in the directory (disabled)"))
        revoked = {login: org_store.deactivate_person(conn=conn, login=login, now=now) for login in p.disabled}
        org_store.bump_stamp(conn=conn, now=now)
        s = p.summary()
        audit.record(conn=conn, at=now, actor=None, kind="org_synced_from_directory",
                     zh=f"从目录同步组织机构：新增单位 {len(s['new_units'])} 个、单位改名 {len(s['renamed_units'])} 个、"
                        f"新增人员 {len(s['new_people'])} 人、变更 {len(s['changed_people'])} 人、"
                        f"停用 {len(s['disabled'])} 人",
                     en=f"synced the organisation from the directory: {len(s['new_units'])} new unit(s), "
                        f"{len(s['renamed_units'])} renamed, {len(s['new_people'])} new people, "
                        f"{len(s['changed_people'])} changed, {len(s['disabled'])} disabled",
                     data={**s, "tokens_revoked": revoked,
                           "handed_over": {k: [t["task"] for t in v] for k, v in handed_over.items()}})
    site.reload()
    return p
