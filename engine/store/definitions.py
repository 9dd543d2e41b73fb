"""Definition versions as stored (content-hashed; a changed file under the same version is refused)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from engine.core import dsl
from engine.parser.definition import content_hash, parse_definition
from engine.core.states import DubanError
from engine.store.tables import DefinitionRow


def register_definition(*, conn: Connection, text: str, filename: str, now: datetime) -> tuple[dsl.Definition, bool]:
    """Store a definition version; refuse changed content under an unchanged version number."""
    defn = parse_definition(text, filename)
    h = content_hash(text)
    t = DefinitionRow.__table__
    row = conn.execute(sa.select(t.c.content_hash).where(t.c.key == defn.id, t.c.version == defn.version)).first()
    if row is not None:
        if row.content_hash != h:
            raise DubanError(
                f"{filename} 的内容已修改，但版本号仍为 {defn.version}：请提高 version 后再部署",
                f"{filename} changed but its version is still {defn.version}: raise `version` to deploy it "
                f"(running items keep the version they started with)", {"file": filename})
        return defn, False
    conn.execute(t.insert().values(key=defn.id, version=defn.version, content_hash=h, source=text,
                                   title_zh=defn.title.zh, title_en=defn.title.en, created_at=now))
    return defn, True


def definition_sources(*, conn: Connection) -> list[Any]:
    t = DefinitionRow.__table__
    return list(conn.execute(sa.select(t.c.key, t.c.version, t.c.source).order_by(t.c.key, t.c.version)))


def first_registered(*, conn: Connection, key: str) -> datetime | None:
    """When a definition's first version was registered (a trigger moment before it is not a missed one)."""
    t = DefinitionRow.__table__
    return conn.execute(sa.select(sa.func.min(t.c.created_at)).where(t.c.key == key)).scalar()
