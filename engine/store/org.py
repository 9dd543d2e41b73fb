"""The organisation: units, people, roles and role categories; and the rows that directory (LDAP) sign-in and
`duban org sync-ldap` keep in step with the directory (engine.runtime.directory decides, these functions write)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.core.org import Org, Person as OrgPerson, Unit as OrgUnit, org_from_data
from engine.store.tables import AccessToken, Person, RoleCategory, Unit

T_PERSON, T_UNIT, T_TOKEN = Person.__table__, Unit.__table__, AccessToken.__table__


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


def save_org(*, conn: Connection, data: dict, password_hash: str | None = None) -> dict[str, int]:
    """Insert or update units, categories and people from the org YAML shape (nothing is deleted)."""
    org_from_data(data)  # validates roles and units first
    for cid, c in (data.get("categories") or {}).items():
        _upsert(conn, RoleCategory.__table__, {"id": cid, "name_zh": c["zh"], "name_en": c["en"]}, ["id"])
    for uid, u in (data.get("units") or {}).items():
        _upsert(conn, Unit.__table__, {"id": uid, "name_zh": u["zh"], "name_en": u["en"]}, ["id"])
    for p in data.get("people") or []:
        row = {"login": p["login"], "name_zh": p["name"], "name_en": p.get("name_en", ""), "unit_id": p["unit"],
               "roles": ",".join(p.get("roles") or ["staff"]), "category": p.get("category"),
               "channels": p.get("channels") or [], "digest": bool(p.get("digest", False)), "active": True}
        if password_hash:
            row["password_hash"] = password_hash
        _upsert(conn, Person.__table__, row, ["login"])
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
    rows = conn.execute(sa.select(p.login, p.name_zh, p.mail, p.unit_id, p.directory_dn, p.active,
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
    values = {"name_zh": name, "mail": mail, "unit_id": unit_id, "directory_dn": dn}
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(T_PERSON).values(
        login=login, name_en="", roles="staff", channels=[], digest=False, active=True, **values)
    conn.execute(ins.on_conflict_do_update(index_elements=["login"], set_=values))


def deactivate_person(*, conn: Connection, login: str, now: datetime) -> int:
    """Mark a person inactive and revoke their live tokens; returns how many tokens were revoked."""
    conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(active=False))
    t = T_TOKEN.c
    return conn.execute(T_TOKEN.update().where(t.person == login, t.revoked_at.is_(None))
                        .values(revoked_at=now)).rowcount
