"""Board benchmark (督办看板): p50/p99 of the board's summary (all periods, one month, grouped by leader) read from
the maintained tally (engine.store.board_tally, "new"), beside the same summary counted by GROUP BY queries over
every narrowed item ("old": engine.store.board_counts, what the board did before the tally and still does for the
narrowings the tally does not answer), the loop over every item (tests/support/board_reference.py, "loop", up to
--reference-up-to tasks) and a primary-key lookup of an item, all measured in the same run, at each size, on SQLite
and on PostgreSQL.

    .venv/bin/python -m bench.board [--tasks 10000 100000] [--repeat 20] [--db sqlite|postgres|both]
                                    [--reference-up-to 10000] [--open-days 60] [--admin-url URL]

--open-days N: items issued more than N days ago are finished (an office's backlog; without it half of the year's
items are still running, and the board's sections over running items (lights, cards) grow with the store).

The store is built in the engine's schema with bulk inserts (`fill`, also what tests/reads/test_board_counts.py
uses for its varied store and what bench/bigsite.py may call): items over a year (directives with a leader,
source and level in the subject, incoming documents without), 5 % confidential, every state, two to three work
tasks each (lead and co, held by a unit or a person after a transfer, some transferred or returned), due dates
before and after now, closed on time or late, cards, chases and completion material. Timed through
engine.reads.supervision.summary as the clerk (the API's path below HTTP).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import sqlalchemy as sa

from bench.postgres import DEFAULT_ADMIN, libpq, reachable
from engine.clock import ManualClock
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.store import board_tally, db
from engine.store.tables import Attachment, Instance, Task

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)  # a Wednesday morning in Shanghai
RESULTS = Path(__file__).resolve().parent / "results"
SCRATCH = "duban_bench_board"
UNITS = ["finance", "hr", "it", "service", "office"]
PEOPLE = ["clerk", "leader", "office", "finance.head", "hr.head", "it.head", "service.head", "it.staff1",
          "finance.staff1", "hr.staff2", "ghost.person"]
LEADERS = ["leader", "office", None, "someone.gone"]
SOURCES = ["meeting", "instruction", "superior", "document", "other", None]
LEVELS = ["normal", "key", "flagged", None]
ITEM_STATES = ["running"] * 5 + ["completed"] * 3 + ["archived", "cancelled"]
TASK_STATES = ["pending", "active", "done", "done", "returned", "transferred", "cancelled"]


def fill(site, tasks: int, *, seed: int = 17, now: datetime = NOW, days: int = 365, open_days: int | None = None
         ) -> dict:
    """Bulk-insert items with about 2.5 work tasks each (until `tasks` tasks), created over `days` before `now`
    (with `open_days`, those issued earlier than that are finished), then rebuild the board's tally."""
    rnd = random.Random(seed)
    t_item, t_task, t_att = Instance.__table__, Task.__table__, Attachment.__table__
    with db.read(site.eng) as conn:
        first = (conn.execute(sa.select(sa.func.max(t_item.c.id))).scalar() or 0) + 1
    made, item_id, batch = {"items": 0, "tasks": 0}, first, []
    while made["tasks"] < tasks:
        it, ts, att = _item(rnd, item_id, now, days, open_days)
        it["definition_version"] = site.definitions()[it["definition_key"]].version  # the shipped version
        batch.append((it, ts, att))
        made["items"] += 1
        made["tasks"] += len(ts)
        item_id += 1
        if len(batch) >= 2000 or made["tasks"] >= tasks:
            with db.write(site.eng) as conn:
                conn.execute(t_item.insert(), [b[0] for b in batch])
                conn.execute(t_task.insert(), [t for b in batch for t in b[1]])
                if any(b[2] for b in batch):
                    conn.execute(t_att.insert(), [a for b in batch for a in b[2]])
            batch = []
    with db.write(site.eng) as conn:  # rows written around the engine's writers: the board's tally from them
        board_tally.rebuild(conn=conn)
    if db.is_postgres(site.eng):
        with site.eng.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.write(site.eng) as c:
            c.exec_driver_sql("ANALYZE")
    return made


def _item(rnd: random.Random, i: int, now: datetime, days: int, open_days: int | None = None
          ) -> tuple[dict, list[dict], list[dict]]:
    created = now - timedelta(minutes=rnd.randint(0, days * 24 * 60))
    directive = rnd.random() < 0.7
    state = rnd.choice(ITEM_STATES)
    if open_days is not None and created < now - timedelta(days=open_days) and state == "running":
        state = rnd.choice(ITEM_STATES[5:])
    lead = rnd.choice(UNITS)
    co = rnd.sample([u for u in UNITS if u != lead], rnd.randint(0, 2))
    due = created + timedelta(days=rnd.randint(3, 40))
    closed = created + timedelta(days=rnd.randint(1, 50)) if state != "running" else None
    closed = min(closed, now) if closed else None
    subject = {"title": f"事项{i}", "lead_unit": lead}
    if directive:
        for k, choices in (("leader", LEADERS), ("source", SOURCES), ("level", LEVELS)):
            if (v := rnd.choice(choices)) is not None:
                subject[k] = v
    lead_holder = {"person": rnd.choice(PEOPLE[3:7])} if rnd.random() < 0.1 else {"unit": lead}
    item = dict(id=i, definition_key="directive" if directive else "incoming_document", definition_version=1,
                serial_year=2026, serial_no=i, serial=f"督〔2026〕{i}号", title=f"事项{i}", subject=subject, state=state,
                current_step="handle", assignment={"lead": lead_holder, "co": co}, lead_unit=lead,
                due_at=due, initiator=rnd.choice(PEOPLE), confidential=rnd.random() < 0.05,
                card=rnd.choice(["none"] * 6 + ["yellow", "red"]), created_at=created, closed_at=closed, version=1)
    tasks = []
    for part, unit in [("lead", lead)] + [("co", u) for u in co] + ([("single", None)] if rnd.random() < .3 else []):
        person = rnd.choice(PEOPLE) if unit is None or rnd.random() < 0.2 else None
        st = rnd.choice(TASK_STATES) if state == "running" else rnd.choice(["done", "done", "cancelled", "active"])
        t_due = None if rnd.random() < 0.1 else due + timedelta(hours=rnd.randint(-200, 200))
        t_closed = None
        if st not in ("pending", "active") or rnd.random() < 0.05:
            t_closed = min(now, created + timedelta(hours=rnd.randint(1, 1500)))
        tasks.append(dict(instance_id=i, step="handle", kind="work" if rnd.random() < .9 else "reading", part=part,
                          unit=None if person else unit, person=person, state=st, round=1, due_at=t_due,
                          created_at=created, closed_at=t_closed, version=1, card=rnd.choice(["none"] * 5 +
                                                                                             ["yellow", "red"]),
                          chase_count=rnd.choice([0, 0, 0, 1, 2, 5]), data={}, sender=rnd.choice(PEOPLE)))
    att = []
    if state in ("completed", "archived") and rnd.random() < 0.5:
        att.append(dict(instance_id=i, name="办结材料.pdf", content_type="application/pdf", size=1, sha256="0" * 64,
                        origin="complete", uploaded_by="clerk", uploaded_at=closed or created,
                        removed_at=None if rnd.random() < .9 else closed or created))
    return item, tasks, att


def _stats(times: list[float]) -> dict:
    s = sorted(times)
    p99 = s[min(len(s) - 1, max(0, round(len(s) * 0.99) - 1))]
    return {"p50_ms": round(statistics.median(s) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


def _time(fn, repeat: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return _stats(times)


def measure(site, repeat: int, reference: bool) -> dict:
    """p50/p99 of the board's reads as the clerk (new: the tally; old: GROUP BY over the narrowed items; loop: the
    reference), beside a primary-key lookup of an item."""
    from api.routes.supervision import make_filters
    from engine.reads import board as board_reads, supervision
    from tests.support import board_reference

    def untallied(**kw):  # the board before the tally: every count a GROUP BY over the narrowed items
        keep = board_reads.tallied
        board_reads.tallied = lambda *_: False
        try:
            return supervision.summary(site, login="clerk", **kw)
        finally:
            board_reads.tallied = keep
    month = make_filters(site, period="month")
    cases = {"summary, all periods": dict(filters=supervision.Filters()), "summary, this month": dict(filters=month),
             "summary by leader": dict(filters=supervision.Filters(), group_by="leader")}
    out = {}
    for name, kw in cases.items():
        out[f"new: {name}"] = _time(lambda: supervision.summary(site, login="clerk", **kw), repeat)
        out[f"old: {name}"] = _time(lambda: untallied(**kw), max(3, repeat // 2))
        if reference and "group_by" not in kw:
            out[f"loop: {name}"] = _time(lambda: board_reference.summary(site, login="clerk", **kw),
                                         max(3, repeat // 5))
    from engine.runtime import proxies
    now = site.clock.now()
    soon = site.cal.add_working_days(now, supervision.UPCOMING_WORKING_DAYS)
    for name, f in (("all periods", supervision.Filters()), ("this month", month)):
        with db.read(site.eng) as conn:  # the counts alone (what the tally answers), without the other sections
            kw = dict(conn=conn, viewer=proxies.viewer(site, "clerk", conn), now=now,
                      narrowing=supervision.narrowing(site, f))
            out[f"new: counts only, {name}"] = _time(lambda: board_reads.counted(kw, soon), repeat)
            keep = board_reads.tallied
            board_reads.tallied = lambda *_: False
            try:
                out[f"old: counts only, {name}"] = _time(lambda: board_reads.counted(kw, soon), max(3, repeat // 2))
            finally:
                board_reads.tallied = keep
    t = Instance.__table__
    with db.read(site.eng) as conn:
        top = conn.execute(sa.select(sa.func.max(t.c.id))).scalar()
        k = iter(range(10 ** 9))
        out["primary-key lookup of an item"] = _time(
            lambda: conn.execute(sa.select(t).where(t.c.id == (next(k) * 7919) % top + 1)).first(), repeat * 10)
    return out


def run(url: str, sizes: list[int], repeat: int, reference_up_to: int, open_days: int | None = None) -> dict:
    site = open_site(url, ManualClock(NOW))
    load_org_file(site, demo_org_path())
    rows, have = [], 0
    for n in sizes:
        t0 = time.perf_counter()
        have += fill(site, n - have, seed=n, open_days=open_days)["tasks"]
        built = time.perf_counter() - t0
        with db.read(site.eng) as conn:
            tally_rows = conn.execute(sa.select(sa.func.count()).select_from(board_tally.T_TALLY)).scalar()
        figures = measure(site, repeat, reference=n <= reference_up_to)
        print(f"{site.eng.dialect.name}, {have:,} tasks (built in {built:.0f} s, bulk inserts and a tally rebuild; "
              f"{tally_rows:,} tally rows; open-days {open_days})")
        for name, f in figures.items():
            print(f"  {name:<40}{f['p50_ms']:>10} ms p50{f['p99_ms']:>10} ms p99")
        rows.append({"tasks": have, "tally_rows": tally_rows, "figures": figures})
    site.eng.dispose()
    return {"database": site.eng.dialect.name, "sizes": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--reference-up-to", type=int, default=10_000, help="time the reference loop up to this size")
    ap.add_argument("--open-days", type=int, default=None, help="items issued earlier than this are finished")
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--admin-url", default=os.environ.get("DUBAN_BENCH_PG_URL", DEFAULT_ADMIN))
    args = ap.parse_args(argv)
    sizes = sorted(args.tasks)
    results = []
    if args.db in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="duban-bench-board-"))
        try:
            results.append(run(f"sqlite:///{folder / 'board.db'}", sizes, args.repeat, args.reference_up_to,
                               args.open_days))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if args.db in ("postgres", "both"):
        why = reachable(args.admin_url)
        if why:
            print(f"-- PostgreSQL skipped: {why}")
        else:
            with psycopg.connect(libpq(args.admin_url), autocommit=True) as con:
                con.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
                con.execute(f"CREATE DATABASE {SCRATCH}")
            url = sa.engine.make_url(args.admin_url).set(drivername="postgresql+psycopg", database=SCRATCH)
            try:
                results.append(run(url.render_as_string(hide_password=False), sizes, args.repeat,
                                   args.reference_up_to, args.open_days))
            finally:
                with psycopg.connect(libpq(args.admin_url), autocommit=True) as con:
                    con.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "board.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
