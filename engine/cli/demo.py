"""`duban demo`: the demo organisation and a simulated quarter, end to end, printed as timelines."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.clock import ManualClock
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
        cal = self.site.cal
        d = cal.local_date(self.clock.now())
        while d <= day:
            for moment in (cal.open_of(d), cal.close_of(d)):
                if self.clock.now() < moment <= datetime.combine(day, time(hour), SHANGHAI):
                    self.clock.set(moment)
                    sweep(self.site)
            d += timedelta(days=1)
        self.clock.set(datetime.combine(day, time(hour), SHANGHAI))
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


def seed_demo(site: Site) -> list[int]:
    """A few items in flight at the site's current time (for `duban serve --demo`)."""
    cal = site.cal
    today = cal.local_date(site.clock.now())
    due = lambda n: cal.local_date(cal.add_working_days(site.clock.now(), n)).isoformat()  # noqa: E731
    a = directive(site, "落实安全生产大检查", "finance", ["hr", "it"], due(10))
    b = directive(site, "客户服务满意度提升方案", "service", ["office"], due(5))
    c = directive(site, "办公网络升级改造", "it", [], due(15), by="clerk")
    d = Drill(site, site.clock)  # type: ignore[arg-type]
    assign_as_issued(d, b)
    assign_as_issued(d, c)
    d.do("it.head", c, "handle", "accept", on="it")
    site.start("incoming_document", {"title": "关于报送季度工作总结的通知", "sender": "市政府办公室",
                                     "doc_number": "市政办〔2026〕8号", "received_on": today.isoformat(),
                                     "due": due(8)}, "clerk")
    return [a, b, c]


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
