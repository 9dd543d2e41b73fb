"""The organisation: units, people, roles and role categories; people's accounts (password hash, the forced
change); the organisation's change stamp, bumped in the transaction of every change so that each process
notices it with one cheap read (engine.runtime.site); and the rows that directory (LDAP) sign-in and
`duban org sync-ldap` keep in step with the directory (engine.runtime.directory decides, these functions write)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from engine.core.org import Org, Person as OrgPerson, Unit as OrgUnit, org_from_data
from engine.store.tables import AccessToken, OrgStamp, Person, RoleCategory, Unit

T_PERSON, T_UNIT, T_TOKEN, T_STAMP = Person.__table__, Unit.__table__, AccessToken.__table__, OrgStamp.__table__


def load_org(*, conn: Connection) -> Org:
    org = Org()
    for r in conn.execute(sa.select(RoleCategory.__table__)):
        org.categories[r.id] = (r.name_zh, r.name_en)
    heads: dict[str, str] = {}
    for r in conn.execute(sa.select(Person.__table__).where(Person.__table__.c.active.is_(True))):
        roles = frozenset(x for x in r.roles.split(",") if x)
        org.people[r.login] = OrgPerson(r.login, r.name_zh, r.unit_id, roles, r.category, r.name_en)
        if "unit_head" in roles:
            heads[r.unit_id] = min(heads.get(r.unit_id, r.login), r.login)  # as engine.core.org: first login
    for r in conn.execute(sa.select(Unit.__table__)):
        org.units[r.id] = OrgUnit(r.id, r.name_zh, r.name_en, heads.get(r.id))
    return org


def save_org(*, conn: Connection, data: dict, password_hash: str | None = None,
             person_hashes: dict[str, str] | None = None, now: datetime | None = None) -> dict[str, int]:
    """Insert or update units, categories and people from the org YAML shape (nothing is deleted).
    `password_hash` gives everyone the same password (the demo); `person_hashes` gives the people named their own
    and makes them change it at their first sign-in."""
    org_from_data(data)  # validates roles and units first
    person_hashes = person_hashes or {}
    for cid, c in (data.get("categories") or {}).items():
        _upsert(conn, RoleCategory.__table__, {"id": cid, "name_zh": c["zh"], "name_en": c["en"]}, ["id"])
    for uid, u in (data.get("units") or {}).items():
        unit = {"id": uid, "name_zh": u["zh"], "name_en": u["en"]}
        if u.get("channels"):
            unit["channels"] = list(u["channels"])
        _upsert(conn, Unit.__table__, unit, ["id"])
    for p in data.get("people") or []:
        row = {"login": p["login"], "name_zh": p["name"], "name_en": p.get("name_en", ""), "unit_id": p["unit"],
               "roles": ",".join(p.get("roles") or ["staff"]), "category": p.get("category"),
               "channels": p.get("channels") or [], "digest": bool(p.get("digest", False)), "active": True}
        for key in ("dingtalk_userid", "wecom_userid"):
            if p.get(key):
                row[key] = str(p[key])
        if password_hash:
            row["password_hash"] = password_hash
        elif p["login"] in person_hashes:
            row |= {"password_hash": person_hashes[p["login"]], "must_change_password": True,
                    "password_changed_at": now}
        _upsert(conn, Person.__table__, row, ["login"])
    bump_stamp(conn=conn, now=now)
    return {"units": len(data.get("units") or {}), "people": len(data.get("people") or [])}


def _upsert(conn: Connection, table: sa.Table, row: dict, keys: list[str]) -> None:
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table).values(**row)
    conn.execute(ins.on_conflict_do_update(index_elements=keys,
                                           set_={k: v for k, v in row.items() if k not in keys}))


# ------------------------------------------------------------------ directory (LDAP) accounts
def account_kind(*, conn: Connection, login: str) -> sa.Row | None:
    """(active, has_password, directory_dn) of a person, or None when the login is unknown here."""
    p = T_PERSON.c
    return conn.execute(sa.select(p.active, p.password_hash.is_not(None).label("has_password"), p.directory_dn)
                        .where(p.login == login)).first()


def people_for_directory(*, conn: Connection) -> dict[str, sa.Row]:
    """Every person (active or not) by login, with what the directory may change and whether a local password
    is set (never the hash itself)."""
    p = T_PERSON.c
    rows = conn.execute(sa.select(p.login, p.name_zh, p.email, p.unit_id, p.directory_dn, p.active,
                                  p.password_hash.is_not(None).label("has_password")))
    return {r.login: r for r in rows}


def unit_names(*, conn: Connection) -> dict[str, tuple[str, str]]:
    """Every unit: id -> (name_zh, name_en)."""
    return {r.id: (r.name_zh, r.name_en) for r in conn.execute(sa.select(T_UNIT.c.id, T_UNIT.c.name_zh,
                                                                                T_UNIT.c.name_en))}


def put_unit(*, conn: Connection, unit_id: str, name_zh: str, name_en: str) -> None:
    """Insert a unit, or rename it."""
    _upsert(conn, T_UNIT, {"id": unit_id, "name_zh": name_zh, "name_en": name_en}, ["id"])


def put_directory_person(*, conn: Connection, login: str, dn: str, name: str, mail: str | None,
                         unit_id: str) -> None:
    """Insert a directory person (role staff, no password), or update the name, mail, unit and DN of an existing
    one; roles, category, channels, password hash and active stay as set here."""
    values = {"name_zh": name, "email": mail, "unit_id": unit_id, "directory_dn": dn}
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(T_PERSON).values(
        login=login, name_en="", roles="staff", channels=[], digest=False, active=True, **values)
    conn.execute(ins.on_conflict_do_update(index_elements=["login"], set_=values))


def deactivate_person(*, conn: Connection, login: str, now: datetime) -> int:
    """Mark a person inactive and revoke their live tokens; returns how many tokens were revoked."""
    conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(active=False))
    t = T_TOKEN.c
    return conn.execute(T_TOKEN.update().where(t.person == login, t.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount
# ------------------------------------------------------------------ the change stamp
def stamp(*, conn: Connection) -> int:
    """The organisation's change number (0 before the first change)."""
    return conn.execute(sa.select(T_STAMP.c.stamp).where(T_STAMP.c.id == 1)).scalar() or 0


def bump_stamp(*, conn: Connection, now: datetime | None) -> None:
    """Count one change of the organisation, in the caller's transaction."""
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(T_STAMP).values(
        id=1, stamp=1, changed_at=now)
    conn.execute(ins.on_conflict_do_update(index_elements=["id"],
                                           set_={"stamp": T_STAMP.c.stamp + 1, "changed_at": now}))


# ------------------------------------------------------------------ units and people, one at a time
def unit_row(*, conn: Connection, code: str) -> Row | None:
    return conn.execute(sa.select(T_UNIT).where(T_UNIT.c.id == code)).first()


def insert_unit(*, conn: Connection, code: str, name_zh: str, name_en: str) -> None:
    conn.execute(T_UNIT.insert().values(id=code, name_zh=name_zh, name_en=name_en))


def update_unit(*, conn: Connection, code: str, changes: dict) -> None:
    conn.execute(T_UNIT.update().where(T_UNIT.c.id == code).values(**changes))


PERSON_COLUMNS = ("login", "name_zh", "name_en", "unit_id", "roles", "category", "email", "phone", "dingtalk_userid",
                  "wecom_userid", "active", "must_change_password", "password_changed_at", "channels")


def person_row(*, conn: Connection, login: str) -> Row | None:
    """One person, active or not (without the password hash), or None."""
    cols = [T_PERSON.c[k] for k in PERSON_COLUMNS]
    return conn.execute(sa.select(*cols, T_PERSON.c.password_hash.is_not(None).label("has_password"))
                        .where(T_PERSON.c.login == login)).first()


def people_rows(*, conn: Connection, limit: int, offset: int = 0, unit: str | None = None,
                active: bool | None = None) -> tuple[int, list[Row]]:
    """(how many, one page of people) by login, without password hashes."""
    q = sa.select(*(T_PERSON.c[k] for k in PERSON_COLUMNS),
                  T_PERSON.c.password_hash.is_not(None).label("has_password"))
    n = sa.select(sa.func.count()).select_from(T_PERSON)
    for cond in ([T_PERSON.c.unit_id == unit] if unit else []) + \
            ([T_PERSON.c.active.is_(active)] if active is not None else []):
        q, n = q.where(cond), n.where(cond)
    return conn.execute(n).scalar_one(), list(conn.execute(q.order_by(T_PERSON.c.login).limit(limit).offset(offset)))


def all_logins(*, conn: Connection) -> set[str]:
    """Every login ever given, active or not (a login is never given twice)."""
    return set(conn.execute(sa.select(T_PERSON.c.login)).scalars())


def insert_people(*, conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(T_PERSON.insert(), rows)


def update_person(*, conn: Connection, login: str, changes: dict) -> None:
    conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(**changes))


def set_password(*, conn: Connection, login: str, password_hash: str, must_change: bool, now: datetime) -> None:
    conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(
        password_hash=password_hash, must_change_password=must_change, password_changed_at=now))


def password_hash_any(*, conn: Connection, login: str) -> str | None:
    """The password hash of an active person (for a person changing their own password)."""
    return conn.execute(sa.select(T_PERSON.c.password_hash)
                        .where(T_PERSON.c.login == login, T_PERSON.c.active.is_(True))).scalar()


def password_change_due(*, conn: Connection) -> frozenset[str]:
    """Active people who must change their password before doing anything else."""
    return frozenset(conn.execute(sa.select(T_PERSON.c.login).where(
        T_PERSON.c.active.is_(True), T_PERSON.c.must_change_password.is_(True))).scalars())


def without_password(*, conn: Connection, logins: list[str]) -> list[str]:
    """Which of these active people have no password (they cannot sign in)."""
    if not logins:
        return []
    return sorted(conn.execute(sa.select(T_PERSON.c.login).where(
        T_PERSON.c.login.in_(logins), T_PERSON.c.active.is_(True), T_PERSON.c.password_hash.is_(None))).scalars())
