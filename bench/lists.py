"""Lists benchmark (issue 17): a unit head's 我的待办 (`GET /api/v1/me/tasks`, lean rows and `?view=full`, the 已办
tab paged by cursor), the `/tasks` page (open and 已办), sign-in → first page piece by piece, and the ledger as XLSX
and CSV (time and the server's peak Python memory), beside a primary-key lookup over HTTP measured in the same run.
`queue_*`: the open queue read a page at a time against main's (ddf0f18) whole-queue sort (`main_queue`).

    .venv/bin/python -m bench.lists [--tasks 100000] [--repeat 20] [--db URL] [--ledger-rows 20000,100000]

The store is written in bulk in the engine's own schema (items, their tasks and search documents; no audit
trail: lists do not read it) by `populate(site, tasks)`, which bench.bigsite also calls: `tasks / 5` directives,
each with register and assign done, a lead and a co-handling unit at handle (40 % still open, some past due) and,
for the finished ones, a verify task. The app runs in-process (FastAPI's TestClient: the same routes, no
sockets). "before" figures run main's read path (0c13d59) in the same process (`main_paths`): every row the full
task with all its actions' fields (engine.reads.items.my_tasks, which reads the page's items once more for the
lights), the 已办 tab counted and paged by offset.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import tracemalloc
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.clock import ManualClock
from engine.core import search as rules
from engine.core.queue_order import urgency_rank
from engine.store import db, search_index
from engine.store.tables import Instance, Notification, Task

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "lists.json"
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Shanghai
UNITS = ["finance", "hr", "it", "service", "office"]
LEADERS = ["leader"]
TOPICS = ["安全生产", "营商环境", "信访积案", "数据共享", "政务服务", "项目建设", "防汛备汛", "节能降耗"]
PASSWORD = "bench-only-password"
INDEXES = {  # before migration 0019, and after it (the "before" figures run with the old indexes)
    False: [(f"ix_task_{h}_state", "task", f"{h}, state") for h in ("person", "unit", "role")],
    True: [(f"ix_task_{h}_state_due", "task", f"{h}, state, due_at") for h in ("person", "unit", "role")],
}


def populate(site, tasks: int, seed: int = 17, batch: int = 4000) -> dict:
    """Bulk-write `tasks // 5` directives with five tasks each (ids from 1) in the engine's schema, with their
    search documents; returns {"items", "tasks"}."""
    rnd = random.Random(seed)
    items = max(1, tasks // 5)
    t_item, t_task = Instance.__table__, Task.__table__
    start = NOW - timedelta(days=400)
    task_id = 0
    for lo in range(1, items + 1, batch):
        rows, trows, docs = [], [], []
        for i in range(lo, min(lo + batch, items + 1)):
            created = start + timedelta(minutes=i * 400 * 24 * 60 // items)
            lead, co = rnd.sample(UNITS, 2)
            due = created + timedelta(days=rnd.randint(5, 40))
            open_ = rnd.random() < 0.4
            title = f"关于{rnd.choice(TOPICS)}工作的批示（{i}）"
            subject = {"title": title, "instruction": f"请{lead}牵头办理。", "leader": rnd.choice(LEADERS),
                       "lead_unit": lead, "co_units": [co], "due": due.date().isoformat(),
                       "priority": "urgent" if rnd.random() < 0.2 else "normal"}
            rank = urgency_rank(subject)
            serial = f"督〔2026〕{i}号"
            rows.append(dict(id=i, definition_key="directive", definition_version=site.definitions()["directive"].version, serial_year=2026, serial_no=i,
                             serial=serial, title=title, subject=subject,
                             state="running" if open_ else "completed", current_step="handle" if open_ else None,
                             assignment={"lead": {"unit": lead}, "co": [co], "due": subject["due"]},
                             lead_unit=lead, due_at=due, initiator="leader", confidential=rnd.random() < 0.03,
                             card="none", created_at=created, closed_at=None if open_ else due - timedelta(days=1),
                             progress="按计划推进" if open_ else "已完成", progress_percent=50 if open_ else 100,
                             version=1))
            made = [("register", "work", "single", None, None, "clerk", "done"),
                    ("assign", "work", "single", "office", None, None, "done"),
                    ("handle", "work", "lead", None, lead, None, "active" if open_ else "done"),
                    ("handle", "work", "co", None, co, None, "pending" if open_ else "done"),
                    ("verify", "work", "single", None, None, "clerk", "pending" if not open_ and
                     rnd.random() < 0.1 else "done")]
            for step, kind, part, person, unit, role, state in made:
                task_id += 1
                trows.append(dict(id=task_id, instance_id=i, step=step, kind=kind, part=part, person=person,
                                  unit=unit, role=role, state=state, round=1, due_at=due, created_at=created,
                                  closed_at=None if state in ("active", "pending") else created + timedelta(days=2),
                                  card="none", chase_count=0, data={}, version=1, urgency=rank))
            docs += [{"instance_id": i, "source": "item", "ref_id": None, "field": f, "text": t, "at": created}
                     for f, t in rules.item_texts(serial, title, subject, ["instruction"])]
        with db.write(site.eng) as conn:
            conn.execute(t_item.insert(), rows)
            conn.execute(t_task.insert(), trows)
            search_index.add_docs(conn=conn, docs=docs)
    with db.write(site.eng) as conn:  # the unit head's unread notices (the badge on every page) about 20 items
        conn.execute(Notification.__table__.insert(), [
            dict(person="finance.head", kind="task_new", title="新待办", title_en="New task", body="请办理",
                 body_en="Please handle", instance_id=i, created_at=NOW) for i in range(1, min(items, 20) + 1)])
    analyze(site)
    return {"items": items, "tasks": task_id}


def analyze(site) -> None:
    if db.is_postgres(site.eng):
        with site.eng.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.write(site.eng) as c:
            c.exec_driver_sql("ANALYZE")


def set_indexes(site, after: bool) -> None:
    """The task table's holder indexes as they were before migration 0019 (after=False) or after it."""
    with db.write(site.eng) as c:
        for name, _, _ in INDEXES[not after]:
            c.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        for name, table, cols in INDEXES[after]:
            c.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({cols})")
    analyze(site)


@contextmanager
def main_paths():
    """我的待办 read as main read it (0c13d59): the full task of every row through engine.reads.items.my_tasks (the
    page's items read twice: once for the rows, once more for the lights; the page's report prompts a third
    time), the 已办 tab by offset, the unread badge and inbox by `IN (every item the person may see)`."""
    from engine.reads import checkpoints, items as queries, lists as listing
    from engine.store import lists as L

    def task_rows(site, *, login, state="open", lang="zh", limit=50, offset=0, q=None, cursor=None, full=False,
                  items_out=None, counted=True):
        total = queries.count_my_tasks(site, login, state, q=q)  # main counted first, then read the page
        return listing.TaskPage(queries.my_tasks(site, login, state, lang, limit=limit, offset=offset, q=q), None,
                                total)

    def about_visible(v):  # the inbox and the unread badge: IN (every item the person may see)
        n = L.T_NOTE.c
        return sa.or_(n.instance_id.is_(None), n.instance_id.in_(sa.select(L.T_ITEM.c.id).where(L.visible_clause(v))))

    saved = listing.task_rows, checkpoints.report_prompts, L._about_visible
    listing.task_rows = task_rows
    checkpoints.report_prompts = lambda site, tasks, now, items=None: saved[1](site, tasks, now)
    L._about_visible = about_visible
    try:
        yield
    finally:
        listing.task_rows, checkpoints.report_prompts, L._about_visible = saved


@contextmanager
def main_queue():
    """我的待办's open queue read as main (ddf0f18) read it: the whole queue filtered by visibility, sorted by an
    urgency computed from each item's subject JSON, counted in the same pass (a window count), then the page."""
    from engine.core.states import URGENCY_FIELDS, URGENCY_RANK
    from engine.store import lists as L, open_queue

    def urgency_of_item(item_id):  # main's rank, worked out from the item's subject JSON in the query
        i = L.T_ITEM.c
        ranks = [(i.subject[f].as_string() == v, r) for f in URGENCY_FIELDS for v, r in URGENCY_RANK.items()]
        return sa.select(sa.case(*ranks, else_=0)).where(i.id == item_id).scalar_subquery()

    def queue_page(*, conn, viewer, state, now, limit, offset=0):
        c = L.T_TASK.c
        counts = [sa.func.count().over().label("total"),
                  sa.func.sum(sa.case((L.task_overdue_clause(now), 1), else_=0)).over().label("overdue")]
        sel = L.tasks_of(sa.select(c.id, c.instance_id, c.person, c.unit, c.role, *counts), viewer, state, now)
        late = sa.case((sa.and_(c.state.in_(L.OPEN), c.due_at < now), 0), else_=1)
        rows = list(conn.execute(sel.order_by(late, urgency_of_item(c.instance_id).desc(),
                                              c.due_at.is_(None), c.due_at, c.id).limit(limit).offset(offset)))
        return rows, bool(rows) and rows[0].total > offset + limit

    saved = open_queue.queue_page
    open_queue.queue_page = queue_page
    try:
        yield
    finally:
        open_queue.queue_page = saved


def stats(times: list[float]) -> dict:
    t = sorted(times)
    p99 = t[-1] if len(t) < 100 else statistics.quantiles(t, n=100, method="inclusive")[98]
    return {"n": len(t), "p50_ms": round(statistics.median(t) * 1000, 1), "p99_ms": round(p99 * 1000, 1)}


def timed(fn, repeat: int) -> dict:
    fn()  # warm
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        size = fn()
        times.append(time.perf_counter() - t0)
    return stats(times) | {"bytes": size}


def peak(fn) -> dict:
    """Seconds and the peak of Python memory (tracemalloc) while `fn` runs once."""
    tracemalloc.start()
    t0 = time.perf_counter()
    size = fn()
    seconds = time.perf_counter() - t0
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds_traced": round(seconds, 2), "peak_mb": round(top / 2**20, 1), "bytes": size}


def open_bench_site(url: str | None, folder: Path):
    from argon2 import PasswordHasher

    from tests.support.databases import demo_site
    url = url or f"sqlite:///{folder / 'lists.db'}"
    eng = db.make_engine(url)
    db.migrate(eng)
    eng.dispose()
    clock = ManualClock(NOW)
    return demo_site(url, clock, password_hash=PasswordHasher().hash(PASSWORD))


def paired(fns: dict, repeat: int, before=None) -> dict:
    """{"before": stats, "after": stats, "ratio"} of a (before, after) pair run alternately, `repeat` times each
    after one warm-up, so that a machine shared with others loads both sides alike; before runs in `before`
    (main_paths unless given)."""
    times: dict[str, list[float]] = {"before": [], "after": []}
    size = {}
    for n in range(repeat + 1):
        for side in ("before", "after"):
            with (before or main_paths)() if side == "before" else nullcontext():
                t0 = time.perf_counter()
                size[side] = fns[side]()
                if n:
                    times[side].append(time.perf_counter() - t0)
    out = {side: stats(t) | {"bytes": size[side]} for side, t in times.items()}
    return out | {"ratio_p50": round(out["after"]["p50_ms"] / max(out["before"]["p50_ms"], 0.01), 2)}


def measure_lists(r: dict, get, page_client, repeat: int) -> None:
    """我的待办 before (main's full rows: its route had no lean shape) and after (lean rows), the /tasks page."""
    r["me_tasks_50"] = paired({"before": get("/api/v1/me/tasks?per_page=50&view=full"),
                               "after": get("/api/v1/me/tasks?per_page=50")}, repeat)
    r["me_tasks_50_page3"] = paired({"before": get("/api/v1/me/tasks?per_page=50&page=3&view=full"),
                                     "after": get("/api/v1/me/tasks?per_page=50&page=3")}, repeat)
    r["me_tasks_50_full"] = paired({"before": get("/api/v1/me/tasks?per_page=50&view=full"),
                                    "after": get("/api/v1/me/tasks?per_page=50&view=full")}, repeat)
    r["me_tasks_200"] = timed(get("/api/v1/me/tasks?per_page=200"), repeat)
    # the open queue a page at a time (engine.store.open_queue) against main's whole-queue sort (ddf0f18), lean rows
    for name, path in (("queue_50", "/api/v1/me/tasks?per_page=50"),
                       ("queue_50_page3", "/api/v1/me/tasks?per_page=50&page=3"),
                       ("queue_overdue_50", "/api/v1/me/tasks?state=overdue&per_page=50")):
        r[name] = paired({"before": get(path), "after": get(path)}, repeat, before=main_queue)
    page = lambda: len(page_client.get("/tasks").content)  # noqa: E731
    r["tasks_page"] = paired({"before": page, "after": page}, repeat)


def measure_done(r: dict, site, get, page_client, repeat: int, login: str = "finance.head") -> None:
    """The 已办 tab: the first page and the fifth (after four cursors) over HTTP and on the page, and beside them
    main's read of the fifth page (a count of the whole history, then offset 200 of it sorted) in-process."""
    from engine.reads import items as queries, lists as listing
    r["done_page1"] = timed(get("/api/v1/me/tasks?state=done&per_page=50"), repeat)
    cursor = None
    for _ in range(4):
        cursor = listing.task_rows(site, login=login, state="done", limit=50, cursor=cursor)[1]
    if cursor:
        r["done_page5"] = timed(get(f"/api/v1/me/tasks?state=done&per_page=50&cursor={quote(cursor)}"), repeat)
        r["done_page5_read"] = paired({
            "before": lambda: queries.count_my_tasks(site, login, "done") + len(
                queries.my_tasks(site, login, "done", limit=50, offset=200)),
            "after": lambda: len(listing.task_rows(site, login=login, state="done", limit=50, cursor=cursor)[0])},
            repeat)
    page = lambda: len(page_client.get("/tasks?tab=done").content)  # noqa: E731
    r["tasks_page_done"] = paired({"before": page, "after": page}, repeat)


def signin_path(app, site, repeat: int, login: str = "finance.head") -> dict:
    """Sign-in → first page, piece by piece, before and after alternately (p50 over `repeat` each): the form,
    argon2 alone (the person's hash, verified as auth does), the POST (argon2, the attempt, the token), the
    redirect's page; and the whole."""
    import re

    from argon2 import PasswordHasher
    from fastapi.testclient import TestClient
    with db.read(site.eng) as c:
        stored = c.execute(sa.text("SELECT password_hash FROM person WHERE login = :l"), {"l": login}).scalar()
    ph = PasswordHasher()
    pieces = {side: {k: [] for k in ("form", "argon2", "post", "first_page", "whole")} for side in ("before", "after")}
    for n in range(repeat + 1):
        for side in ("before", "after"):
            with main_paths() if side == "before" else nullcontext():
                c = TestClient(app, follow_redirects=False)
                t0 = time.perf_counter()
                form = c.get("/login")
                t1 = time.perf_counter()
                csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
                post = c.post("/login", data={"username": login, "password": PASSWORD, "csrf": csrf,
                                              "next": "/tasks"})
                t2 = time.perf_counter()
                assert post.status_code == 303, post.text[:300]
                page = c.get(post.headers["location"])
                t3 = time.perf_counter()
                assert page.status_code == 200
                ph.verify(stored, PASSWORD)
                t4 = time.perf_counter()
            if n:
                for k, v in (("form", t1 - t0), ("post", t2 - t1), ("first_page", t3 - t2), ("whole", t3 - t0),
                             ("argon2", t4 - t3)):
                    pieces[side][k].append(v)
    return {side: {k: stats(v) for k, v in p.items()} for side, p in pieces.items()}


def sign_in_client(app, login: str = "finance.head"):
    """The sign-in form, its POST (argon2 at its real cost) and the redirect's target's cookie: a page client."""
    import re

    from fastapi.testclient import TestClient
    c = TestClient(app, follow_redirects=False)
    r = c.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = c.post("/login", data={"username": login, "password": PASSWORD, "csrf": csrf, "next": "/tasks"})
    assert r.status_code == 303, r.text[:300]
    return c


def run(url: str | None, tasks: int, repeat: int, ledger_rows: list[int], before_rows: int = 5000) -> dict:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.reads.test_ledger_streaming import old_csv, old_xlsx, whole_ledger
    out: dict = {"tasks": tasks, "database": "postgresql" if url and url.startswith("postgres") else "sqlite"}
    with tempfile.TemporaryDirectory() as tmp:
        site = open_bench_site(url, Path(tmp))
        t0 = time.perf_counter()
        out["store"] = populate(site, tasks)
        print(f"populated {out['store']} in {time.perf_counter() - t0:.0f} s", flush=True)
        out["populate_s"] = round(time.perf_counter() - t0, 1)
        client = TestClient(create_app(site))
        token = client.post("/api/v1/auth/token", data={"username": "finance.head", "password": PASSWORD}
                            ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        with db.read(site.eng) as c:  # an item in the middle of the store that finance.head may see (it leads it)
            mid = c.execute(sa.text("SELECT min(id) FROM instance WHERE lead_unit = 'finance' AND id >= :m AND "
                                    "confidential = :f"), {"m": out["store"]["items"] // 2, "f": False}).scalar()

        def get(path, headers=auth):
            def go():
                r = client.get(path, headers=headers)
                assert r.status_code == 200, (path, r.status_code, r.text[:300])
                return len(r.content)
            return go

        with site.eng.connect() as c:
            out["pk_sql"] = timed(lambda: c.execute(sa.text("SELECT id, title FROM instance WHERE id = :i"),
                                                    {"i": mid}).all() and 0, repeat * 5)
        out["baseline_pk_http"] = timed(get(f"/api/v1/instances/{mid}"), repeat)
        page_client = sign_in_client(create_app(site))
        app = create_app(site)
        set_indexes(site, True)
        r = out.setdefault("lists", {})
        measure_lists(r, get, page_client, repeat)
        r["signin_path"] = signin_path(app, site, max(3, repeat // 2))
        measure_done(r, site, get, page_client, repeat)
        from engine.reads import lists as listing
        out["total_open_for_finance_head"] = listing.task_rows(site, login="finance.head", limit=1).total
        admin = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", data={
            "username": "admin", "password": PASSWORD}).json()["access_token"]}
        for rows in ledger_rows:
            if rows > out["store"]["items"]:
                continue
            since = (site.cal.local_date(NOW) - timedelta(days=400 * rows // out["store"]["items"])).isoformat()
            q = f"?since={since}"
            n = len(whole_ledger(site, "admin", __import__("engine.reads.supervision", fromlist=["Filters"])
                                 .Filters(since=datetime.fromisoformat(since).date())))
            r = out.setdefault("ledger", {}).setdefault(str(rows), {"rows": n})
            for fmt in ("csv", "xlsx"):
                t0 = time.perf_counter()
                size = get(f"/api/v1/supervision/ledger.{fmt}{q}", admin)()
                r[f"after_{fmt}_s"] = round(time.perf_counter() - t0, 2)
                r[f"after_{fmt}_bytes"] = size
                r[f"after_{fmt}_mem"] = peak(get(f"/api/v1/supervision/ledger.{fmt}{q}", admin))
            if rows <= before_rows:
                from engine.reads.supervision import Filters
                f = Filters(since=datetime.fromisoformat(since).date())
                t0 = time.perf_counter()
                r["before_csv_bytes"] = len(old_csv(whole_ledger(site, "admin", f)))
                r["before_csv_s"] = round(time.perf_counter() - t0, 2)
                t0 = time.perf_counter()
                old_xlsx(whole_ledger(site, "admin", f))
                r["before_xlsx_s"] = round(time.perf_counter() - t0, 2)
                r["before_xlsx_mem"] = peak(lambda: len(old_xlsx(whole_ledger(site, "admin", f))))
        site.eng.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench.lists", description=__doc__.split("\n")[0])
    p.add_argument("--tasks", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--db", default=None, help="a database URL (default: a fresh SQLite file)")
    p.add_argument("--ledger-rows", default="5000,20000,100000")
    p.add_argument("--before-rows", type=int, default=5000, help="the old ledger writers only up to this many rows")
    a = p.parse_args(argv)
    result = run(a.db, a.tasks, a.repeat, [int(x) for x in a.ledger_rows.split(",") if x],
                 a.before_rows)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    RESULTS.parent.mkdir(exist_ok=True)
    (RESULTS.with_name(f"lists-{result['database']}-{a.tasks}.json")).write_text(
        json.dumps(result, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
