"""The search index on an upgraded site and after `duban search reindex`: migration 0012 builds the documents of
the items and entries already there, so an office that upgrades can search its old items at once."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from engine.cli.main import main
from engine.core import search as rules
from engine.store import db, search_index
from engine.store.tables import DefinitionRow, Entry, Instance, SearchDoc

MIGRATIONS = Path(db.__file__).resolve().parent / "migrations"
AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
DIRECTIVE_SOURCE = (Path(__file__).resolve().parents[2] / "definitions" / "directive.yaml").read_text("utf-8")


def upgrade(eng, to: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with eng.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, to)
        conn.commit()


def an_old_item(conn) -> None:
    """An item with a progress report, as a site before search holds them (no search documents)."""
    conn.execute(DefinitionRow.__table__.insert(), {"key": "directive", "version": 1, "content_hash": "x",
                                                    "source": DIRECTIVE_SOURCE, "title_zh": "领导批示",
                                                    "title_en": "Directive", "created_at": AT})
    conn.execute(Instance.__table__.insert(), {
        "id": 1, "definition_key": "directive", "definition_version": 1, "serial_year": 2026, "serial_no": 7,
        "serial": "督〔2026〕7号", "title": "整治背街小巷", "subject": {"instruction": "请城管牵头，月底前完成。",
                                                                  "lead_unit": "finance"},
        "state": "running", "assignment": {}, "initiator": "leader", "confidential": False, "card": "none",
        "created_at": AT, "version": 1})
    conn.execute(Entry.__table__.insert(), {"instance_id": 1, "person": "finance.head", "kind": "progress",
                                            "text": "已清理占道经营摊点十二处", "at": AT})


def found(conn, q: str) -> list[int]:
    ids = conn.execute(search_index.matching_items(conn=conn, query=rules.read_query(q))).scalars()
    return sorted(set(ids))


def test_an_upgraded_site_finds_its_old_items(tmp_path):
    eng = db.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(eng, "0011")  # the revision before search
    with db.write(eng) as conn:
        an_old_item(conn)
    upgrade(eng, "head")
    with db.read(eng) as conn:
        docs = {(r.source, r.field) for r in conn.execute(sa.select(SearchDoc.__table__))}
        assert docs == {("item", "serial"), ("item", "title"), ("item", "instruction"), ("entry", "progress")}
        assert found(conn, "占道经营") == [1] and found(conn, "背街") == [1] and found(conn, "城管") == [1]
        assert found(conn, "督2026-7") == [1] and found(conn, "finance") == []  # a unit code is not text
    eng.dispose()


def test_duban_search_reindex_rebuilds_it(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'site.db'}"
    eng = db.make_engine(url)
    db.migrate(eng)
    with db.write(eng) as conn:
        an_old_item(conn)  # written behind the engine's back: not indexed
        assert found(conn, "占道经营") == []
    assert main(["search", "reindex", "--db", url]) == 0
    assert "1 items, 1 entries" in capsys.readouterr().out
    with db.read(eng) as conn:
        assert found(conn, "占道经营") == [1]
    eng.dispose()
