"""Opening a site: database, migrations, shipped definitions, organisation files."""
from __future__ import annotations

from pathlib import Path

import yaml

from engine.clock import Clock
from engine.parser.loader import NOT_WORKFLOWS, definitions_dir
from engine.runtime.site import Site
from engine.store import db, definitions as definition_store, org as org_store


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
    return site


def register_definitions(site: Site, paths: list[Path]) -> list[str]:
    """Store each file's definition version (new versions only); return what was added."""
    added = []
    with db.write(site.eng) as conn:
        for p in paths:
            defn, new = definition_store.register_definition(conn=conn, text=Path(p).read_text(encoding="utf-8"),
                                                 filename=str(p), now=site.clock.now())
            if new:
                added.append(f"{defn.id}@{defn.version}")
    site.reload()
    return added


def load_org_file(site: Site, path: str | Path, *, password_hash: str | None = None) -> dict[str, int]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    with db.write(site.eng) as conn:
        counts = org_store.save_org(conn=conn, data=data, password_hash=password_hash)
    site.reload()
    return counts


def demo_org_path() -> Path:
    return definitions_dir() / "org.demo.yaml"
