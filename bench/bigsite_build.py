"""The store bench.bigsite measures: the demo office played by the engine, copied in the engine's schema until it
holds the tasks asked for, with every derived table made consistent afterwards.

How (said, as issue 17 asks): the engine plays the demo office (`seed_demo`: items closed, overdue with red and
yellow cards, chased, waiting for an extension, just issued; through the engine's own paths, with its audit
chain). Those items are the template: their `instance`, `task`, `entry` and `event` rows are copied straight into
the engine's schema, each copy with its own ids and serial number and its dates moved back by 0-729 days (so the
board's periods hold different items), in one transaction. Fast enough for 1,000,000 tasks:
- the rows go in as the driver's own bulk paths: executemany of plain tuples on SQLite (the values turned into
  what the store keeps by each column's own SQLAlchemy bind processor, the same conversion the engine's writes
  go through), COPY on PostgreSQL;
- the secondary indexes of those four tables are dropped before the copy and made again after it (the primary
  keys and unique constraints stay);
- the copied events are re-chained by the one rule (engine.core.auditchain.chain) and `audit_head` moved, so
  `duban audit verify` passes on the built store.
Derived tables, after the copy: the search index is rebuilt by `duban search reindex`; the board's summary table is
rebuilt by `duban board rebuild` when the command exists (REBUILDS below: the one place to add such a command).
Not copied: timers (the benchmark's server runs with the scheduler off), notifications, attachments (the demo has
none). Every copy keeps the demo's units and people, so a unit head's open tasks grow with the store: what a paged
list must not."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-only-password"
BATCH = 20_000  # tasks a batch
COPIED = ("instance", "task", "entry", "event")
# derived tables rebuilt after the copy by the project's own commands: (what, the command's words); a command
# missing from this checkout (`duban board rebuild` comes with the board's summary table) is skipped, said so
REBUILDS = (("search index", ("search", "reindex")), ("board summary (board_tally)", ("board", "rebuild")))


def build(url: str, tasks: int, say: Any = print) -> dict:
    """A store of about `tasks` tasks at `url`; returns what was built and how long each phase took."""
    from api.auth import hash_password
    from engine.cli.demo import seed_demo
    from engine.clock import SystemClock
    from engine.runtime.boot import demo_org_path, load_org_file, open_site
    from engine.store.tables import Entry, Event, Instance, Task

    t0 = time.perf_counter()
    site = open_site(url, SystemClock())
    load_org_file(site, demo_org_path(), password_hash=hash_password(PASSWORD))
    seed_demo(site)
    tables = {"instance": Instance.__table__, "task": Task.__table__, "entry": Entry.__table__,
              "event": Event.__table__}
    phases = {"demo_s": round(time.perf_counter() - t0, 1)}
    t1 = time.perf_counter()
    with site.eng.begin() as conn:
        built = copy(conn, tables, tasks)
    phases["copy_s"] = round(time.perf_counter() - t1, 1)
    with site.eng.connect() as conn:
        for name, t in tables.items():
            built[name] = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
    site.eng.dispose()
    for what, words in REBUILDS:
        t2 = time.perf_counter()
        if subprocess.run([sys.executable, "-m", "engine.cli", *words, "--help"], cwd=ROOT,
                          capture_output=True).returncode != 0:
            say(f"  ({what}: no `duban {' '.join(words)}` in this checkout, not rebuilt)")
            continue
        subprocess.run([sys.executable, "-m", "engine.cli", *words, "--db", url], cwd=ROOT, check=True,
                       capture_output=True)
        phases[f"{words[0]}_s"] = round(time.perf_counter() - t2, 1)
    if url.startswith("postgresql"):
        eng = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
        eng.dispose()
    built["tasks"], built["items"], built["events"] = built["task"], built["instance"], built["event"]
    built["phases"] = phases
    built["build_s"] = round(time.perf_counter() - t0, 1)
    return built


def copy(conn: Any, tables: dict[str, sa.Table], tasks: int) -> dict:
    """Copy the template (the demo's items) until the store holds `tasks` tasks, in the caller's transaction."""
    from engine.core import auditchain
    from engine.store.audit import COLUMNS
    from engine.store.tables import AuditHead, SerialCounter

    ti, tt, te, tv = (tables[k] for k in COPIED)
    items = [dict(r._mapping) for r in conn.execute(sa.select(ti).order_by(ti.c.id))]
    ts = [dict(r._mapping) for r in conn.execute(sa.select(tt).order_by(tt.c.id))]
    es = [dict(r._mapping) for r in conn.execute(sa.select(te).order_by(te.c.id))]
    evs = [dict(r._mapping) for r in conn.execute(sa.select(tv).where(tv.c.instance_id.isnot(None))
                                                  .order_by(tv.c.seq))]
    head = conn.execute(sa.select(AuditHead.__table__)).first()
    copies = max(0, -(-(tasks - len(ts)) // len(ts)))
    step = {k: max(r["id"] for r in rows) for k, rows in (("i", items), ("t", ts), ("e", es))}
    serial_step = max(r["serial_no"] for r in items)
    seq, prev = head.seq, head.hash
    indexes = drop_indexes(conn, COPIED)
    per = max(1, BATCH // len(ts))
    for lo in range(1, copies + 1, per):
        bi, bt, be, bv = [], [], [], []
        for k in range(lo, min(copies + 1, lo + per)):
            shift = timedelta(days=k % 730)
            io, to, eo = k * step["i"], k * step["t"], k * step["e"]
            for r in items:
                no = r["serial_no"] + k * serial_step
                bi.append(moved(r, shift) | {"id": r["id"] + io, "serial_no": no,
                                             "serial": re.sub(r"\d+(号?)$", rf"{no}\1", r["serial"])})
            bt += [moved(r, shift) | {"id": r["id"] + to, "instance_id": r["instance_id"] + io,
                                      "from_task": r["from_task"] and r["from_task"] + to} for r in ts]
            be += [moved(r, shift) | {"id": r["id"] + eo, "instance_id": r["instance_id"] + io,
                                      "task_id": r["task_id"] and r["task_id"] + to} for r in es]
            bv += [{c: (r[c] - shift if c == "at" else r[c]) for c in COLUMNS} |
                   {"instance_id": r["instance_id"] + io, "task_id": r["task_id"] and r["task_id"] + to}
                   for r in evs]
        chained = auditchain.chain(seq, prev, bv)
        for t, rows in ((ti, bi), (tt, bt), (te, be), (tv, chained)):
            bulk_insert(conn, t, rows)
        seq, prev = chained[-1]["seq"], chained[-1]["hash"]
    make_indexes(conn, indexes)
    conn.execute(AuditHead.__table__.update().values(seq=seq, hash=prev))
    sc = SerialCounter.__table__
    conn.execute(sc.update().values(last=sa.select(sa.func.max(ti.c.serial_no)).scalar_subquery()))
    if conn.dialect.name == "postgresql":
        for table in ("instance", "task", "entry", "event"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))
    return {"template_items": len(items), "template_tasks": len(ts), "copies": copies,
            "pk": items[0]["id"] + copies * step["i"] // 2 if copies else items[0]["id"]}


def moved(row: dict, shift: timedelta) -> dict:
    """The row with every date moved back by `shift`."""
    return {k: (v - shift if hasattr(v, "tzinfo") and hasattr(v, "hour") else v) for k, v in row.items()}


def bulk_insert(conn: Any, table: sa.Table, rows: list[dict]) -> None:
    """Insert `rows` by the driver's bulk path, each value converted by its column's own bind processor."""
    if not rows:
        return
    cols = [c for c in table.columns if c.name in rows[0]]
    procs = [(c.name, c.type._cached_bind_processor(conn.dialect)) for c in cols]
    values = [tuple(p(r[name]) if p else r[name] for name, p in procs) for r in rows]
    names = ", ".join(f'"{c.name}"' for c in cols)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as out:
            for v in values:
                out.write_row(v)
    else:
        marks = ", ".join("?" * len(cols))
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', values)


def drop_indexes(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary (non-unique) indexes of `tables`; returns the statements that make them again."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                     "AND tablename = ANY(:t) AND indexdef NOT LIKE 'CREATE UNIQUE%'"),
                             {"t": list(tables)}).all()
    else:
        found = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                                     "AND tbl_name IN (%s) AND sql NOT LIKE 'CREATE UNIQUE%%'"
                                     % ", ".join(f"'{t}'" for t in tables))).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def make_indexes(conn: Any, statements: list[str]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)
