"""Benchmark: an appraisal cycle's metrics and scores for 10,000 people over 1,000,000 tasks of a quarter, beside
the raw SQL aggregate of the same figures measured in the same run on the same database (and, for scale, the
plainest per-holder count).

    .venv/bin/python -m bench.appraisal [--people 10000] [--tasks 1000000] [--units 100] [--repeat 2] [--db-url URL]

The rows are bulk-inserted (people, items, tasks, chase and escalation events, extensions, reworks, ratings, a
cycle with its frozen schemes). Measured: `compute_metrics` (the task and event aggregates with every figure's
evidence ids, attribution, the extension and rework corrections, the rows written) and `compute_scores` (every
person scored under their frozen scheme, breakdowns written), each in one transaction as the embedded stage runs
them. The raw aggregate is the same figures by hand-written SQL — one GROUP BY over the period's tasks with the
same working-day table, one over its chase and escalation events — with no evidence, no Python, nothing written.
"""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engine.appraisal import stages, store
from engine.store import metrics as metric_sql
from engine.appraisal.schemes import load_dir
from engine.runtime.boot import open_site
from engine.clock import ManualClock
from engine.store import db
from engine.store.tables import Event, Instance, Person, RoleCategory, Task, Unit

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, tzinfo=SH)  # the quarter: 2026Q1
END = datetime(2026, 4, 1, tzinfo=SH)
CATEGORIES = ["admin_assistant", "hr_assistant", "finance_assistant", "service_assistant", "it_assistant"]
UTC = timezone.utc


def populate(site, people: int, tasks: int, units: int, seed: int = 7) -> int:
    """The organisation, the quarter's tasks and events, a cycle with its members and ratings; the cycle id."""
    rnd = random.Random(seed)
    schemes = load_dir()
    per_unit = people // units
    logins = [f"u{u:03d}.p{i:03d}" for u in range(units) for i in range(per_unit)]
    heads = {f"u{u:03d}": f"u{u:03d}.p000" for u in range(units)}
    with db.write(site.eng) as conn:
        conn.execute(RoleCategory.__table__.insert(), [{"id": c, "name_zh": c, "name_en": c}
                                                       for c in CATEGORIES + ["office_director"]])
        conn.execute(Unit.__table__.insert(), [{"id": u, "name_zh": u, "name_en": u} for u in heads])
        conn.execute(Person.__table__.insert(), [
            {"login": x, "name_zh": x, "name_en": x, "unit_id": x[:4], "roles": "unit_head" if x.endswith("p000") else "staff",
             "category": CATEGORIES[int(x[1:4]) % 5], "channels": [], "digest": False, "active": True} for x in logins]
            + [{"login": "clerk", "name_zh": "督办员", "name_en": "clerk", "unit_id": "u000", "roles": "clerk",
                "category": "admin_assistant", "channels": [], "digest": False, "active": True}])
    site.reload()
    span = int((END - START).total_seconds())
    items = tasks // 4
    t_item, t_task, t_event = Instance.__table__, Task.__table__, Event.__table__
    version = site.definitions()["directive"].version
    with db.write(site.eng) as conn:
        for lo in range(0, items + 1, 50_000):
            conn.execute(t_item.insert(), [
                {"id": i, "definition_key": "directive", "definition_version": version, "serial_year": 2026, "serial_no": i,
                 "serial": f"督〔2026〕{i}号", "title": f"事项 {i}", "subject": {}, "state": "running",
                 "current_step": "handle", "assignment": {}, "initiator": "clerk", "confidential": False,
                 "card": "none", "created_at": START, "version": 1} for i in range(max(lo, 1), min(items + 1, lo + 50_000))])
        rows, events, tid = [], [], 0
        for k in range(tasks):
            tid += 1
            created = START + timedelta(seconds=rnd.randrange(span))
            due = created + timedelta(days=rnd.randrange(1, 15))
            r = rnd.random()
            state, closed = ("done", created + timedelta(hours=rnd.randrange(1, 480))) if r < .75 else \
                ("transferred", created + timedelta(hours=5)) if r < .8 else ("active", None)
            kind = rnd.random()
            who = logins[rnd.randrange(len(logins))]
            person, unit, role, closed_by = (who, None, None, who if closed else None) if kind < .8 else \
                (None, who[:4], None, heads[who[:4]] if closed else None) if kind < .95 else \
                (None, None, "clerk", "clerk" if closed else None)
            data = {}
            if k % 1000 == 0 and closed:  # an extension, approved after the due date for every other one
                data = {"extensions": [{"approved_at": (due + timedelta(hours=2)).isoformat(), "old_due": due.isoformat(),
                                        "new_due": (due + timedelta(days=5)).isoformat(), "before_due": k % 2000 == 0}]}
            rows.append({"id": tid, "instance_id": k // 4 + 1, "step": "handle", "kind": "work",
                         "part": ("lead", "co", "co", "single")[k % 4], "person": person, "unit": unit, "role": role,
                         "state": state, "round": 1, "due_at": due, "created_at": created, "closed_at": closed,
                         "card": "none", "chase_count": 0, "data": data, "version": 1, "closed_by": closed_by})
            if closed is None or closed > due:
                for n in range(rnd.choice((0, 0, 1, 2))):
                    events.append({"instance_id": k // 4 + 1, "task_id": tid, "at": due + timedelta(days=n + 1),
                                   "kind": "chase", "message_zh": "催办", "message_en": "chase", "data": {}})
                if rnd.random() < .1:
                    events.append({"instance_id": k // 4 + 1, "task_id": tid, "at": due + timedelta(days=3),
                                   "kind": "escalate", "message_zh": "黄牌", "message_en": "yellow", "data": {}})
            if data:
                events.append({"instance_id": k // 4 + 1, "task_id": tid, "at": due + timedelta(hours=2),
                               "kind": "extension_approved", "message_zh": "同意延期", "message_en": "ext",
                               "data": {"target": tid}})
            if k % 2000 == 1 and state == "done":
                events.append({"instance_id": k // 4 + 1, "task_id": None, "at": closed + timedelta(hours=1),
                               "kind": "reject", "message_zh": "退回", "message_en": "reject", "data": {"to_step": "handle"}})
            if len(rows) == 50_000:
                conn.execute(t_task.insert(), rows)
                rows = []
        if rows:
            conn.execute(t_task.insert(), rows)
        for lo in range(0, len(events), 50_000):
            conn.execute(t_event.insert(), events[lo:lo + 50_000])
        # the cycle: its own item, frozen schemes, members with their supervisors, ratings
        cycle_item = items + 1
        conn.execute(t_item.insert(), [{"id": cycle_item, "definition_key": "appraisal_quarterly",
                                        "definition_version": 1, "serial_year": 2026, "serial_no": 1,
                                        "serial": "考〔2026〕1号", "title": "2026年第一季度绩效考核",
                                        "subject": {"title": "2026年第一季度绩效考核", "period": "2026Q1"},
                                        "state": "running", "current_step": "metrics", "assignment": {},
                                        "initiator": "clerk", "confidential": False, "card": "none",
                                        "created_at": END, "version": 1}])
        frozen = {c: {"id": s.id, "file": f, "fingerprint": s.fingerprint(), "source": text}
                  for c, (s, text, f) in schemes.items()}
        cid = conn.execute(store.CYCLE.insert(), [{
            "definition_key": "appraisal_quarterly", "period": "2026Q1", "instance_id": cycle_item,
            "period_start": START, "period_end": END, "state": "open", "schemes": frozen,
            "settings": {"heads": heads, "sole": {"clerk": "clerk"}}, "revision": 0,
            "opened_at": END}]).inserted_primary_key[0]
        members = [{"cycle_id": cid, "login": x, "name_zh": x, "name_en": x, "unit": x[:4],
                    "category": CATEGORIES[int(x[1:4]) % 5], "supervisor": None if x.endswith("p000") else heads[x[:4]],
                    "peers": []} for x in logins]
        conn.execute(store.MEMBER.insert(), members)
        ratings, task_id = [], 10_000_000
        for m in members:
            scheme = schemes[m["category"]][0]
            rated = [k for k, d in scheme.dimensions.items() if d.ratings]
            for relation in ("supervisor", "self") if int(m["login"][-3:]) % 2 else ("supervisor",):
                task_id += 1
                ratings.append({"cycle_id": cid, "ratee": m["login"], "rater": m["supervisor"] or m["login"],
                                "relation": relation, "task_id": task_id, "scores": {k: rnd.randint(2, 5) for k in rated},
                                "comment": None, "at": END})
        conn.execute(store.RATING.insert(), ratings)
    return cid


def raw_events(dialect: str) -> str:
    """Chase and escalation counts per holder, counted per task first (as an expert would write it)."""
    scan = "event e" if dialect == "postgresql" else "event AS e NOT INDEXED"
    return f"""SELECT t.person, t.unit, t.role, t.closed_by, SUM(x.chases), SUM(x.escalations)
FROM (SELECT e.task_id, SUM(CASE WHEN e.kind = 'chase' THEN 1 ELSE 0 END) AS chases,
             SUM(CASE WHEN e.kind = 'escalate' THEN 1 ELSE 0 END) AS escalations
      FROM {scan} WHERE e.kind IN ('chase', 'escalate') AND e.at >= :s AND e.at < :e GROUP BY e.task_id) x
JOIN task t ON t.id = x.task_id WHERE t.kind = 'work'
GROUP BY t.person, t.unit, t.role, t.closed_by"""


def raw_tasks(dialect: str) -> str:
    """The same figures as engine.store.metrics.task_sql, as counts: no evidence ids."""
    done = metric_sql.DONE
    if dialect == "postgresql":
        joins = (" LEFT JOIN duban_wd wa ON wa.d = (t.created_at AT TIME ZONE :tz)::date"
                 " LEFT JOIN duban_wd wb ON wb.d = (t.closed_at AT TIME ZONE :tz)::date")
        days, scan = "wb.c - wa.c", "task t"
    else:
        cum = ("(SELECT CASE WHEN substr(t.{0}, 12, 5) >= w.thr THEN w.c1 ELSE w.c0 END FROM duban_wd w "
               "WHERE w.d = substr(t.{0}, 1, 10))")
        joins, days, scan = "", f"{cum.format('closed_at')} - {cum.format('created_at')}", "task AS t NOT INDEXED"
    s = lambda cond: f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"  # noqa: E731
    return f"""SELECT t.person, t.unit, t.role, t.closed_by,
  {s("t.created_at >= :s AND t.state NOT IN ('cancelled', 'skipped')")}, {s(done)}, {s(done + " AND t.closed_at > t.due_at")},
  {s("(t.closed_at IS NULL OR t.closed_at >= :e) AND t.due_at < :e")},
  {s("t.state = 'transferred' AND t.closed_at >= :s AND t.closed_at < :e")}, {s(done + " AND t.part = 'co'")},
  {s(done + " AND t.part = 'lead'")}, SUM(CASE WHEN {done} THEN {days} END)
FROM {scan}{joins}
WHERE t.kind = 'work' AND t.created_at < :e AND (t.closed_at IS NULL OR t.closed_at >= :s) AND {metric_sql.EXCLUDE}
GROUP BY t.person, t.unit, t.role, t.closed_by"""


def raw_aggregate(site) -> tuple[float, int]:
    from engine.store.tables import UTCDateTime

    binds = [sa.bindparam("s", type_=UTCDateTime()), sa.bindparam("e", type_=UTCDateTime())]
    t0 = time.perf_counter()
    with db.write(site.eng) as conn:  # a write transaction only for the temporary working-day table
        metric_sql.working_day_table(conn=conn, cal=site.cal, start=START, end=END)
        sql = raw_tasks(conn.dialect.name)
        n = len(conn.execute(sa.text(sql).bindparams(*binds), {"s": START, "e": END, **(
            {"tz": str(site.cal.tz)} if ":tz" in sql else {})}).all())
        n += len(conn.execute(sa.text(raw_events(conn.dialect.name)).bindparams(*binds), {"s": START, "e": END}).all())
    return time.perf_counter() - t0, n


SIMPLE = """SELECT COALESCE(t.person, t.unit, t.closed_by) AS who, COUNT(*) AS tasks,
  SUM(CASE WHEN t.state = 'done' THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN t.closed_at <= t.due_at THEN 1 ELSE 0 END)
FROM task t GROUP BY COALESCE(t.person, t.unit, t.closed_by)"""


def simple_count(site) -> float:
    """For scale only: the plainest per-holder count (tasks, done, on time), no period, no working days, no events."""
    t0 = time.perf_counter()
    with db.read(site.eng) as conn:
        conn.execute(sa.text(SIMPLE)).all()
    return time.perf_counter() - t0


def ours(site, cycle_id: int) -> tuple[float, float, int, int]:
    t0 = time.perf_counter()
    with db.write(site.eng) as conn:
        m = stages.compute_metrics(site, conn, store.cycle(conn=conn, cycle_id=cycle_id), None)
    t1 = time.perf_counter()
    with db.write(site.eng) as conn:
        s = stages.compute_scores(site, conn, store.cycle(conn=conn, cycle_id=cycle_id), None)
    return t1 - t0, time.perf_counter() - t1, m, s


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest counts")
    ap.add_argument("--db-url", default=None, help="PostgreSQL URL of an empty database (default: SQLite)")
    args = ap.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="duban-bench-appraisal-"))
    url = args.db_url or f"sqlite:///{folder / 'appraisal.db'}"
    site = open_site(url, ManualClock(END + timedelta(hours=9)))
    t0 = time.perf_counter()
    cycle_id = populate(site, args.people, args.tasks, args.units)
    if site.eng.dialect.name == "postgresql":
        with site.eng.connect() as c:
            c.execute(sa.text("ANALYZE"))
            c.commit()
    print(f"populated {args.people:,} people in {args.units} units, {args.tasks:,} tasks in "
          f"{time.perf_counter() - t0:.1f} s")
    site.org, site.cal  # warm caches, as a running server has them
    raw, metric_s, score_s, simple = [], [], [], []
    for _ in range(args.repeat):
        simple.append(simple_count(site))
        raw.append(raw_aggregate(site)[0])
        m, s, n_m, n_s = ours(site, cycle_id)
        metric_s.append(m)
        score_s.append(s)
    with db.read(site.eng) as conn:
        counted = sum(r.figures["assigned"] for r in store.metrics(conn=conn, cycle_id=cycle_id).values())
        evidence = sum(len(v) for r in store.metrics(conn=conn, cycle_id=cycle_id).values()
                       for v in r.evidence.values())
        bands = conn.execute(sa.select(store.RESULT.c.band, sa.func.count()).where(
            store.RESULT.c.cycle_id == cycle_id).group_by(store.RESULT.c.band)).all()
    best_raw, best_m, best_s = min(raw), min(metric_s), min(score_s)
    total = best_m + best_s
    figures = {
        "database": site.eng.dialect.name, "people": n_m, "tasks": args.tasks, "units": args.units,
        "tasks_counted_as_received": counted, "evidence_chars": evidence,
        "metrics_s": round(best_m, 3), "scores_s": round(best_s, 3), "metrics_and_scores_s": round(total, 3),
        "raw_sql_aggregate_s": round(best_raw, 3), "ratio": round(total / best_raw, 2), "target_ratio": 3,
        "simple_count_s": round(min(simple), 3), "ratio_to_simple_count": round(total / min(simple), 2),
        "runs": {"raw": [round(x, 3) for x in raw], "metrics": [round(x, 3) for x in metric_s],
                 "scores": [round(x, 3) for x in score_s]},
        "bands": {b or "none": n for b, n in bands},
    }
    print(f"{'':<48}{'seconds':>10}")
    print(f"{'metrics, ' + format(n_m, ',') + ' people (with evidence ids)':<48}{best_m:>10.3f}")
    print(f"{'scores, ' + format(n_s, ',') + ' people (with breakdowns)':<48}{best_s:>10.3f}")
    print(f"{'metrics and scores':<48}{total:>10.3f}")
    print(f"{'raw SQL aggregate of the same figures':<48}{best_raw:>10.3f}")
    print(f"{'(for scale: a plain per-holder count, no period)':<48}{min(simple):>10.3f}")
    print(f"ratio {figures['ratio']}× the raw aggregate of the same figures (target ≤ 3×); "
          f"{figures['ratio_to_simple_count']}× the plain count; bands {figures['bands']}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    name = "appraisal.json" if figures["database"] == "sqlite" else f"appraisal-{figures['database']}.json"
    (out / name).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    site.eng.dispose()
    return figures


if __name__ == "__main__":
    main()
