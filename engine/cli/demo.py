"""`duban demo`: the demo organisation and a simulated quarter, end to end, printed as timelines; and the demo office
`duban serve --demo` opens (`seed_demo`, with its sign-ins listed by `demo_sign_ins`)."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.clock import ManualClock
from engine.core.dsl import ROLES
from engine.reads.items import item_view, open_task_for, timeline_text
from engine.runtime.site import Site
from engine.runtime.sweep import sweep

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Drill:
    """Moves a simulated clock through working days, sweeping as the scheduler would."""

    def __init__(self, site: Site, clock: ManualClock):
        self.site, self.clock = site, clock

    def do(self, who: str, item: int, step: str, action: str, *, on: str | None = None, kind: str = "work",
           **data) -> None:
        unit = on if on in self.site.org.units else None
        task = open_task_for(self.site, item, step, unit=unit, person=None if unit else on, kind=kind)
        self.site.act(task, action, who, data)

    def until(self, day: date, hour: int = 10) -> None:
        """Advance to `day` at `hour`, sweeping at each opening and close of office on the way."""
        self.to(datetime.combine(day, time(hour), SHANGHAI))

    def to(self, moment: datetime) -> None:
        """Advance to `moment`, sweeping at each opening and close of office on the way and at `moment`."""
        cal = self.site.cal
        d = cal.local_date(self.clock.now())
        while d <= cal.local_date(moment):
            for edge in (cal.open_of(d), cal.close_of(d)):
                if self.clock.now() < edge <= moment:
                    self.clock.set(edge)
                    sweep(self.site)
            d += timedelta(days=1)
        self.clock.set(moment)
        sweep(self.site)


def directive(site: Site, title: str, lead: str, co: list[str], due: str, by: str = "leader") -> int:
    return site.start("directive", {"title": title, "instruction": f"请{site.org.units[lead].name_zh}牵头办理。",
                                    "leader": "leader", "lead_unit": lead, "co_units": co, "due": due}, by)


def assign_as_issued(drill: Drill, item: int, step: str = "assign") -> None:
    drill.do("clerk", item, "register", "submit")
    v = drill.site
    task = [t for t in item_view(v, item, None)["tasks"] if t["step"] == step][-1]
    drill.do("office", item, step, "assign", **task["data"]["prefill"])


def run_quarter(site: Site, clock: ManualClock) -> list[int]:
    """A second quarter of 2026 in the office: on time, late (chased, yellow and red cards), extended,
    and an incoming document from registration to the archive."""
    d = Drill(site, clock)
    on_time = directive(site, "一季度安全生产大检查整改", "finance", ["hr", "it"], "2026-04-17")
    late = directive(site, "客户投诉热线升级改造", "service", ["it"], "2026-04-10")
    extended = directive(site, "年度人员招聘计划", "hr", [], "2026-04-24")
    for item in (on_time, late, extended):
        assign_as_issued(d, item)
    doc = site.start("incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                           "doc_number": "市数〔2026〕12号", "received_on": "2026-04-01",
                                           "due": "2026-04-22", "urgency": "urgent"}, "clerk")
    d.do("clerk", doc, "register", "submit")
    d.do("office", doc, "propose", "assign", lead="it", co=["office"], due="2026-04-22")
    d.do("leader", doc, "instruct", "agree", opinion="同意，请信息技术部抓紧落实。")
    d.do("clerk", doc, "dispatch", "transfer", lead="it", co=["office"])

    d.until(date(2026, 4, 2))
    for unit in ("finance", "hr", "it"):
        d.do(f"{unit}.head", on_time, "handle", "accept", on=unit)
    d.do("finance.head", on_time, "handle", "transfer", on="finance", to="finance.staff1", reason="请郑会计具体承办")
    d.do("finance.staff1", on_time, "handle", "accept", on="finance.staff1")
    d.do("hr.head", extended, "handle", "accept", on="hr")
    d.do("it.head", doc, "handle", "accept", on="it")
    d.do("office", doc, "handle", "accept", on="office")
    d.until(date(2026, 4, 8))
    d.do("finance.staff1", on_time, "handle", "progress", on="finance.staff1", text="已完成各部门自查", percent=60)
    d.do("hr.head", on_time, "handle", "complete", on="hr", opinion="人员培训部分已落实")
    d.do("it.head", on_time, "handle", "complete", on="it", opinion="监控系统已升级")
    d.do("office", doc, "handle", "complete", on="office", opinion="已转发各部门")
    d.until(date(2026, 4, 14))
    d.do("finance.staff1", on_time, "handle", "complete", on="finance.staff1", report="整改完毕，报告已报送")
    d.do("clerk", on_time, "verify", "approve", comment="材料齐全，同意销号")
    d.do("hr.head", extended, "handle", "request_extension", on="hr", new_due="2026-05-15", reason="等待编制批复")
    d.do("office", extended, "handle", "approve", kind="extension", comment="同意")
    d.do("it.head", doc, "handle", "complete", on="it", report="检查完成，问题已整改")
    d.do("clerk", doc, "archive", "submit")
    d.until(date(2026, 4, 20))
    d.do("service.head", late, "handle", "accept", on="service")
    d.do("clerk", late, "handle", "chase", on="service", message="已超期，请今日反馈进展")
    d.until(date(2026, 4, 24))
    d.do("it.head", late, "handle", "accept", on="it")
    d.do("it.head", late, "handle", "complete", on="it", opinion="系统接口已就绪")
    d.do("service.head", late, "handle", "complete", on="service", report="热线系统已上线")
    d.do("clerk", late, "verify", "approve")
    d.until(date(2026, 5, 14))
    d.do("hr.head", extended, "handle", "complete", on="hr", report="招聘计划已印发")
    d.do("clerk", extended, "verify", "approve")
    d.until(date(2026, 6, 30))
    return [on_time, late, extended, doc]


DEMO_PAST_WORKING_DAYS = 20  # the demo office's history starts this many working days before today


def working_days_ago(site: Site, n: int) -> date:
    """The nth working day before the site's today (1: the last working day before today)."""
    d = site.cal.local_date(site.clock.now())
    for _ in range(n):
        d = site.cal.prev_working_day(d)
    return d


def seed_demo(site: Site) -> dict[str, int]:
    """The demo office as `duban serve --demo` opens it: supervision at work on the site's today.

    Its history is played through the engine's own paths on a clock set 20 working days back, sweeping at every
    opening and close of office up to now, so the chases, cards and overdue days are the engine's own: a directive
    handled and closed (销号); one 8 working days overdue (seen on a working day), chased daily, with a red card
    (红牌); one 4 working days overdue with a yellow card (黄牌); one a working day overdue, chased by the clerk now; one whose unit asked for an
    extension the office director has not yet decided (延期待批). Then, issued today: a directive waiting to be
    registered, two being handled, and an incoming document. Deterministic for a given today; returns the items
    by name."""
    now, cal = site.clock.now(), site.cal
    ago = lambda n: working_days_ago(site, n)  # noqa: E731
    ahead = lambda n: cal.local_date(cal.add_working_days(now, n)).isoformat()  # noqa: E731
    past = Site(site.eng, ManualClock(cal.open_of(ago(DEMO_PAST_WORKING_DAYS)) + timedelta(minutes=30)),
                settings=site.settings, calendar_yaml=site.calendar_yaml, plugins=site.plugins)
    d = Drill(past, past.clock)  # type: ignore[arg-type]
    items = {
        "closed": directive(past, "一季度安全生产大检查整改", "finance", ["hr", "it"], ago(5).isoformat()),
        "red": directive(past, "客户投诉热线升级改造", "service", ["it"], ago(8).isoformat()),
        "yellow": directive(past, "年度预算执行情况自查", "finance", [], ago(4).isoformat()),
        "chased": directive(past, "办公用房调整方案", "office", ["it"], ago(1).isoformat()),
    }
    for item in items.values():
        assign_as_issued(d, item)
    d.until(ago(DEMO_PAST_WORKING_DAYS - 1))
    for unit in ("finance", "hr", "it"):
        d.do(f"{unit}.head", items["closed"], "handle", "accept", on=unit)
    d.do("service.head", items["red"], "handle", "accept", on="service")
    d.do("finance.head", items["yellow"], "handle", "accept", on="finance")
    d.do("finance.head", items["yellow"], "handle", "transfer", on="finance", to="finance.staff1",
         reason="请郑会计具体承办")
    d.until(ago(12))
    d.do("hr.head", items["closed"], "handle", "complete", on="hr", opinion="人员培训部分已落实")
    d.do("it.head", items["closed"], "handle", "complete", on="it", opinion="监控系统已升级")
    d.do("it.head", items["red"], "handle", "accept", on="it")
    d.do("it.head", items["red"], "handle", "complete", on="it", opinion="系统接口已就绪")
    d.do("office", items["chased"], "handle", "accept", on="office")
    d.until(ago(7))
    d.do("finance.head", items["closed"], "handle", "complete", on="finance", report="整改完毕，报告已报送")
    d.do("clerk", items["closed"], "verify", "approve", comment="材料齐全，同意销号")
    d.do("service.head", items["red"], "handle", "progress", on="service", text="供应商尚未交付，正在催促", percent=40)
    d.until(ago(3))
    items["extension"] = directive(past, "年度人员招聘计划", "hr", [], ahead(2))
    assign_as_issued(d, items["extension"])
    d.do("hr.head", items["extension"], "handle", "accept", on="hr")
    d.until(ago(1), hour=16)
    d.do("hr.head", items["extension"], "handle", "request_extension", on="hr", new_due=ahead(10),
         reason="等待编制批复")
    d.to(now)
    d.do("clerk", items["chased"], "handle", "chase", on="office", message="已超期，请今日反馈进展")
    site.reload()

    items["new"] = directive(site, "落实安全生产大检查", "finance", ["hr", "it"], ahead(10))
    items["handling"] = directive(site, "客户服务满意度提升方案", "service", ["office"], ahead(5))
    items["accepted"] = directive(site, "办公网络升级改造", "it", [], ahead(15), by="clerk")
    today = Drill(site, site.clock)  # type: ignore[arg-type]
    assign_as_issued(today, items["handling"])
    assign_as_issued(today, items["accepted"])
    today.do("it.head", items["accepted"], "handle", "accept", on="it")
    items["document"] = site.start("incoming_document", {
        "title": "关于报送季度工作总结的通知", "sender": "市政府办公室", "doc_number": "市政办〔2026〕8号",
        "received_on": cal.local_date(now).isoformat(), "due": ahead(8)}, "clerk")
    return items


def demo_sign_ins(site: Site, password: str) -> str:
    """Every demo sign-in as `duban serve --demo` prints it: login, roles (中文/English), name and unit, and the
    one password they all share; then what the demo office holds."""
    org = site.org
    lines = [f"演示账号（密码均为 “{password}”）/ demo sign-ins (password {password!r} for every one):"]
    for person in sorted(org.people.values(), key=lambda p: (list(org.units).index(p.unit), p.login)):
        roles = sorted(person.roles)
        lines.append(f"  {person.login:<15} {', '.join(ROLES[r][1] for r in roles):<28} "
                     f"{'、'.join(ROLES[r][0] for r in roles)}  {person.name_zh}（{org.units[person.unit].name_zh}）")
    lines.append("督办看板 /board：以 clerk、leader 或 office 登录 / the supervision board at /board, signed in as clerk, "
                 "leader or office: overdue items chased daily, a yellow and a red card (黄牌/红牌), an extension "
                 "waiting for office (延期待批), a closed item (已销号)")
    return "\n".join(lines)


def run_demo(db: str | None = None, lang: str = "zh") -> int:
    path = Path(db) if db else Path(tempfile.mkdtemp(prefix="duban-demo-")) / "demo.db"
    if path.exists():
        path.unlink()
    clock = ManualClock(datetime(2026, 4, 1, 9, 0, tzinfo=SHANGHAI))
    site = open_site(f"sqlite:///{path}", clock)
    load_org_file(site, demo_org_path())
    print(f"Duban demo 演示 — database {path}; simulated clock from 2026-04-01 09:00 to 2026-06-30 (Asia/Shanghai)\n")
    for item in run_quarter(site, clock):
        print(timeline_text(site, item, lang))
        print()
    return 0
