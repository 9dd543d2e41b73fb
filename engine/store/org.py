"""The organisation: units, people, roles and role categories."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from engine.core.org import Org, Person as OrgPerson, Unit as OrgUnit, org_from_data
from engine.store.tables import Person, RoleCategory, Unit


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
        _upsert(conn, Person.__table__, row, ["login"])
    return {"units": len(data.get("units") or {}), "people": len(data.get("people") or [])}


def _upsert(conn: Connection, table: sa.Table, row: dict, keys: list[str]) -> None:
    ins = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table).values(**row)
    conn.execute(ins.on_conflict_do_update(index_elements=keys,
                                           set_={k: v for k, v in row.items() if k not in keys}))
