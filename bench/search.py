"""Search benchmark (检索): p50/p99 of ten kinds of query over 200,000 items with 1,000,000 entries, beside a plain
primary-key lookup of an item measured in the same run, on SQLite and on PostgreSQL. Target: p99 < 100 ms.

    .venv/bin/python -m bench.search [--items 200000] [--entries 5] [--repeat 30] [--db sqlite|postgres|both]
                                     [--admin-url URL]

The store is built in the engine's schema with bulk inserts, not through the workflow (that would take hours):
items (70 % directives, 30 % incoming documents, 5 % confidential), one lead task each (what the visibility rule
looks at), `--entries` entries per item (progress, opinions, comments, completion reports) of 20–60 characters
drawn from an office vocabulary, 1,000 attachments indexed with engine.store.search.index_attachment (about
4,000 characters of text each), and the search documents written by the engine's own
engine.store.search_index.add_docs. Each query runs through engine.reads.search.search (the API's path below
HTTP: the viewer with proxies, the query with visibility inside it, snippets), as the clerk (who sees every item
that is not confidential) and as a finance staff member (who sees what their unit is involved in).

PostgreSQL runs on a scratch database (`duban_bench_search`) made and dropped by the admin URL (default
DUBAN_BENCH_PG_URL, else postgresql://postgres@127.0.0.1:5432/postgres); unreachable: skipped with a note.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import sqlalchemy as sa

from bench.postgres import DEFAULT_ADMIN, libpq, reachable
from engine.clock import ManualClock
from engine.core import search as rules
from engine.reads import search as search_reads
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.store import db, search as search_store, search_index
from engine.store.tables import Entry, Instance, Task

START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
RESULTS = Path(__file__).resolve().parent / "results"
SCRATCH = "duban_bench_search"
UNITS = ["finance", "hr", "it", "service", "office"]
PEOPLE = ["clerk", "leader", "office", "finance.head", "hr.head", "it.head", "service.head"]
TOPICS = ["安全生产", "职工食堂", "消防通道", "网络安全", "档案整理", "预算执行", "招聘计划", "客户投诉", "办公用房",
          "车辆管理", "节能降耗", "信息公开", "保密检查", "疫情防控", "培训计划", "采购管理", "合同审查", "资产清查",
          "信访接待", "数据备份", "会议室改造", "绩效考核", "作风建设", "政务公开", "应急值守", "公文处理"]
ACTS = ["大检查", "整改落实", "专项治理", "工作方案", "情况报告", "自查自纠", "督促检查", "优化提升", "排查", "调研"]
SENDERS = ["市委办公室", "市政府办公室", "市委组织部", "市财政局", "市人社局", "市应急管理局", "市委网信办", "市档案局"]
PHRASES = ["已完成自查", "发现隐患三处", "正在整改", "已报分管领导", "请财务部配合", "材料齐全", "同意该方案",
           "建议下周复查", "已召开专题会议", "经费已落实", "人员已到位", "系统已升级", "台账已建立", "问题已销号",
           "需延期一周", "已与来文单位沟通", "按期办结", "整改完毕", "VPN 已开通", "report submitted",
           "PPT 已上报", "已通知各科室", "进度过半", "待审核", "已归档", "请协办单位反馈意见"]
KINDS = ["progress", "opinion", "comment", "report", "progress"]
ATTACHMENTS = 1000
NEEDLE = "应急预案桌面推演记录"  # inside one attachment's text only


def _text(rnd: random.Random, lo: int = 20, hi: int = 60) -> str:
    out = ""
    while len(out) < lo:
        out += rnd.choice(PHRASES) + rnd.choice("，。；")
    return out[:hi]


def populate(site, items: int, entries_per_item: int, seed: int = 42) -> dict:
    """Bulk-insert items, tasks, entries, their search documents, and attachments' documents."""
    rnd = random.Random(seed)
    t_item, t_task, t_entry = Instance.__table__, Task.__table__, Entry.__table__
    counts = {"items": 0, "entries": 0, "documents": 0}
    batch = 5000
    entry_id = 0
    for lo in range(1, items + 1, batch):
        ids = range(lo, min(lo + batch, items + 1))
        rows, tasks, entries, docs = [], [], [], []
        for i in ids:
            directive = rnd.random() < 0.7
            key, prefix = ("directive", "督") if directive else ("incoming_document", "收")
            title = f"关于{rnd.choice(TOPICS)}{rnd.choice(ACTS)}的{'通知' if rnd.random() < .5 else '批示'}"
            unit = rnd.choice(UNITS)
            created = START - timedelta(minutes=(items - i) * 3)
            subject = ({"title": title, "instruction": _text(rnd), "lead_unit": unit} if directive else
                       {"title": title, "sender": rnd.choice(SENDERS), "doc_number": f"文〔2026〕{i}号"})
            serial = f"{prefix}〔2026〕{i}号"
            rows.append(dict(id=i, definition_key=key, definition_version=site.definitions()[key].version, serial_year=2026, serial_no=i,
                             serial=serial, title=title, subject=subject, state="running" if rnd.random() < .4
                             else "completed", current_step="handle", assignment={"lead": {"unit": unit}, "co": []},
                             lead_unit=unit, initiator=rnd.choice(PEOPLE), confidential=rnd.random() < 0.05,
                             card="none", created_at=created, version=1))
            tasks.append(dict(instance_id=i, step="handle", kind="work", part="lead", unit=unit, state="pending",
                              round=1, created_at=created, version=1, card="none", chase_count=0, data={}))
            searched = ["instruction"] if directive else ["sender", "doc_number"]
            docs += [{"instance_id": i, "source": "item", "ref_id": None, "field": f, "text": t, "at": created}
                     for f, t in rules.item_texts(serial, title, subject, searched)]
            for k in range(entries_per_item):
                entry_id += 1
                at = created + timedelta(hours=k + 1)
                e = dict(id=entry_id, instance_id=i, person=rnd.choice(PEOPLE), kind=KINDS[k % len(KINDS)],
                         text=_text(rnd), at=at)
                entries.append(e)
                docs.append({"instance_id": i, "source": "entry", "ref_id": entry_id, "field": e["kind"],
                             "text": e["text"], "at": at})
        with db.write(site.eng) as conn:
            conn.execute(t_item.insert(), rows)
            conn.execute(t_task.insert(), tasks)
            conn.execute(t_entry.insert(), entries)
            search_index.add_docs(conn=conn, docs=docs)
        counts["items"] += len(rows)
        counts["entries"] += len(entries)
        counts["documents"] += len(docs)
    with db.write(site.eng) as conn:
        for a in range(1, ATTACHMENTS + 1):
            text = "".join(_text(rnd, 60, 80) for _ in range(60))
            if a == ATTACHMENTS // 2:
                text = text[:2000] + NEEDLE + text[2000:]
            search_store.index_attachment(conn=conn, attachment_id=a, instance_id=rnd.randint(1, items),
                                          name=f"{rnd.choice(TOPICS)}材料{a}.pdf", text=text)
    if db.is_postgres(site.eng):
        with site.eng.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    else:
        with db.write(site.eng) as c:
            c.exec_driver_sql("ANALYZE")
    return counts


def queries(items: int, serials: dict[int, str]) -> list[tuple[str, dict]]:
    """The kinds of query; `serials`: the serial numbers of items mid and mid + 1 (督〔2026〕N号 or 收〔2026〕N号)."""
    mid = items // 2
    short = serials[mid + 1].replace("〔", "").replace("〕", "-").rstrip("号")  # 收2026-100001
    return [
        ("serial as printed", {"q": serials[mid]}),
        ("serial typed short", {"q": short}),
        ("serial number only", {"q": f"{mid}号"}),
        ("two-character word", {"q": "隐患"}),
        ("one character", {"q": "堂"}),
        ("phrase in a report", {"q": "专题会议"}),
        ("phrase in an attachment", {"q": NEEDLE[2:8]}),
        ("a sender", {"q": "市委网信办"}),
        ("a Latin word", {"q": "vpn"}),
        ("two words", {"q": "食堂 整改"}),
        ("filter with no q", {"q": "", "definition": "incoming_document", "state": "running"}),
        ("nothing found", {"q": "不存在的说法"}),
    ]


def measure(site, items: int, repeat: int) -> dict:
    out: dict = {}
    t = Instance.__table__
    with db.read(site.eng) as conn:
        serials = dict(conn.execute(sa.select(t.c.id, t.c.serial).where(t.c.id.in_([items // 2, items // 2 + 1]))).all())
    for who in ("clerk", "finance.staff1"):
        for name, kw in queries(items, serials):
            search_reads.search(site, login=who, **kw)  # warm
            times, total = [], 0
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = search_reads.search(site, login=who, **kw)
                times.append(time.perf_counter() - t0)
                total = r["total"]
            out[f"{who}: {name}"] = _stats(times) | {"total": total}
    pk = []
    with db.read(site.eng) as conn:
        conn.execute(sa.select(t).where(t.c.id == 1)).first()
        for k in range(max(repeat * 10, 100)):
            t0 = time.perf_counter()
            conn.execute(sa.select(t).where(t.c.id == (k * 7919) % items + 1)).first()
            pk.append(time.perf_counter() - t0)
    out["primary-key lookup of an item"] = _stats(pk)
    return out


def _stats(times: list[float]) -> dict:
    s = sorted(times)
    p99 = s[min(len(s) - 1, max(0, round(len(s) * 0.99) - 1))]
    return {"p50_ms": round(statistics.median(s) * 1000, 2), "p99_ms": round(p99 * 1000, 2)}


def run(url: str, items: int, entries: int, repeat: int) -> dict:
    clock = ManualClock(START)
    site = open_site(url, clock)
    load_org_file(site, demo_org_path())
    t0 = time.perf_counter()
    counts = populate(site, items, entries)
    built = time.perf_counter() - t0
    print(f"{site.eng.dialect.name}: built {counts['items']:,} items, {counts['entries']:,} entries, "
          f"{counts['documents']:,} search documents (+{ATTACHMENTS} attachments) in {built:.0f} s (bulk inserts)")
    figures = measure(site, items, repeat)
    print(f"{'query':<48}{'p50 ms':>9}{'p99 ms':>9}{'found':>9}")
    for name, f in figures.items():
        print(f"{name:<48}{f['p50_ms']:>9}{f['p99_ms']:>9}{f.get('total', ''):>9}")
    worst = max(f["p99_ms"] for n, f in figures.items() if not n.startswith("primary"))
    print(f"worst p99 {worst} ms (target < 100 ms)")
    site.eng.dispose()
    return {"database": site.eng.dialect.name, "build_s": round(built, 1), **counts, "queries": figures,
            "worst_p99_ms": worst}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=200_000)
    ap.add_argument("--entries", type=int, default=5, help="entries per item")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    ap.add_argument("--admin-url", default=os.environ.get("DUBAN_BENCH_PG_URL", DEFAULT_ADMIN))
    args = ap.parse_args(argv)
    results = []
    if args.db in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="duban-bench-search-"))
        results.append(run(f"sqlite:///{folder / 'search.db'}", args.items, args.entries, args.repeat))
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
                results.append(run(url.render_as_string(hide_password=False), args.items, args.entries,
                                   args.repeat))
            finally:
                with psycopg.connect(libpq(args.admin_url), autocommit=True) as con:
                    con.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
