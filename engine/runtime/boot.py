"""Opening a site: database, migrations, shipped definitions, organisation files. Registering a new definition
version and loading an organisation file are changes like any other: each leaves an audit event in its own
transaction (never a password hash). So does a new or changed calendar file (definitions/calendar.yaml): its
overrides move deadlines like the administrators' ones, so each start that finds it changed since the last
recorded fingerprint audits the change."""
from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from engine.clock import Clock
from engine.parser.loader import NOT_WORKFLOWS, definitions_dir
from engine.runtime.site import Site
from engine.store import audit, db, definitions as definition_store, org as org_store


def open_site(url: str | None = None, clock: Clock | None = None, *, migrate: bool = True,
              register: bool = True) -> Site:
    """A ready site: schema migrated, shipped definitions registered."""
    eng = db.make_engine(url)
    if migrate:
        db.migrate(eng)
    site = Site(eng, clock)
    if register:
        register_definitions(site, sorted(p for p in definitions_dir().glob("*.yaml")
                                          if not p.name.startswith(NOT_WORKFLOWS)))
        note_calendar_file(site)
    return site


def note_calendar_file(site: Site) -> bool:
    """Audit the site's calendar file when it is new, changed or gone since the last recorded fingerprint."""
    path = Path(site.calendar_yaml)
    text = path.read_bytes() if path.exists() else None
    fingerprint = hashlib.sha256(text).hexdigest() if text is not None else None
    with db.write(site.eng) as conn:
        last = audit.last_data(conn=conn, kind="calendar_file")
        if (last or {}).get("sha256") == fingerprint:
            return False
        zh, en = (("日历文件已删除", "the calendar file is gone") if fingerprint is None else
                  ("采用新的日历文件", "a new calendar file is in use") if last is None else
                  ("日历文件已更改", "the calendar file changed"))
        audit.record(conn=conn, at=site.clock.now(), actor=None, kind="calendar_file",
                     zh=f"{zh}：{path.name}", en=f"{en}: {path.name}",
                     data={"file": path.name, "sha256": fingerprint,
                           "previous": (last or {}).get("sha256")})
    site.reload()
    return True


def register_definitions(site: Site, paths: list[Path]) -> list[str]:
    """Store each file's definition version (new versions only); return what was added."""
    added = []
    with db.write(site.eng) as conn:
        for p in paths:
            now = site.clock.now()
            defn, new = definition_store.register_definition(conn=conn, text=Path(p).read_text(encoding="utf-8"),
                                                             filename=str(p), now=now)
            if new:
                added.append(f"{defn.id}@{defn.version}")
                audit.record(conn=conn, at=now, actor=None, kind="definition_registered",
                             zh=f"登记流程定义《{defn.title.zh}》{defn.id} 第 {defn.version} 版（{Path(p).name}）",
                             en=f"registered definition {defn.title.en} ({defn.id}) version {defn.version} "
                                f"({Path(p).name})",
                             data={"definition": defn.id, "version": defn.version, "file": Path(p).name})
    site.reload()
    return added


def load_org_file(site: Site, path: str | Path, *, password_hash: str | None = None,
                  person_hashes: dict[str, str] | None = None) -> dict[str, int]:
    """Insert or update the units, categories and people of an organisation file (nothing is deleted).
    `password_hash`: everyone's (the demo); `person_hashes`: per person, changed at the first sign-in."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    password_hash = password_hash or None
    with db.write(site.eng) as conn:
        counts = org_store.save_org(conn=conn, data=data, password_hash=password_hash, person_hashes=person_hashes,
                                    now=site.clock.now())
        audit.record(conn=conn, at=site.clock.now(), actor=None, kind="org_loaded",
                     zh=f"导入组织机构 {Path(path).name}：{counts['units']} 个单位、{counts['people']} 人"
                        + ("（并设置密码）" if password_hash or person_hashes else ""),
                     en=f"loaded the organisation {Path(path).name}: {counts['units']} unit(s), "
                        f"{counts['people']} people" + (" (passwords set)" if password_hash or person_hashes else ""),
                     data={"file": Path(path).name, "units": counts["units"], "people": counts["people"],
                           "logins": sorted(p["login"] for p in data.get("people") or []),
                           "passwords_set": bool(password_hash or person_hashes),
                           "passwords_for": sorted(person_hashes or {})})
    site.reload()
    return counts


def without_password(site: Site, logins: list[str]) -> list[str]:
    """Which of these active people cannot sign in yet (no password)."""
    with db.read(site.eng) as conn:
        return org_store.without_password(conn=conn, logins=logins)


def demo_org_path() -> Path:
    return definitions_dir() / "org.demo.yaml"
