"""Draw the README's screenshots: a simulated spring in the demo office (directives and documents on time,
late, extended, carded and in flight), served by uvicorn and photographed in Debian's Chromium.

    .venv/bin/python -m tests.web.make_screenshots [docs/screenshots]

A Chinese font must be installed for the pictures to be legible (Debian: fonts-wqy-microhei or fonts-noto-cjk).
Not a test: nothing here is collected by pytest."""
from __future__ import annotations

import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn

from api.app import create_app
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from engine.clock import ManualClock
from engine.cli.demo import Drill
from engine.reads.items import open_task_for
from engine.runtime.site import Site
from tests.support.office import CHEAP_HASH, PASSWORD
from tests.support.servers import free_port
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


class Spring:
    """Directives and documents moved through April to June 2026, sweeping as the scheduler would."""

    def __init__(self, site: Site, clock: ManualClock):
        self.site, self.drill = site, Drill(site, clock)

    def on(self, day: str, hour: int = 10) -> None:
        self.drill.until(date.fromisoformat(day), hour)

    def do(self, who: str, item: int, step: str, action: str, *, on: str | None = None, kind: str = "work", **data):
        unit = on if on in self.site.org.units else None
        task = open_task_for(self.site, item, step, unit=unit, person=None if unit else on, kind=kind)
        self.site.act(task, action, who, data)

    def directive(self, title: str, lead: str, co: list[str], due: str, by: str = "leader") -> int:
        item = self.site.start("directive", {
            "title": title, "instruction": f"请{self.site.org.units[lead].name_zh}牵头，按期办结并报送结果。",
            "leader": "leader", "lead_unit": lead, "co_units": co, "due": due}, by)
        self.do("clerk", item, "register", "submit")
        self.do("office", item, "assign", "assign", lead=lead, co=co, due=due)
        return item

    def finish(self, item: int, lead: str, co: list[str], report: str) -> None:
        for u in co:
            self.do(f"{u}.head" if u != "office" else "office", item, "handle", "accept", on=u)
            self.do(f"{u}.head" if u != "office" else "office", item, "handle", "complete", on=u, opinion="已落实")
        head = f"{lead}.head" if lead != "office" else "office"
        self.do(head, item, "handle", "complete", on=lead, report=report)
        self.do("clerk", item, "verify", "approve", comment="材料齐全，同意销号")


def seed(site: Site, clock: ManualClock) -> dict[str, int]:
    s = Spring(site, clock)
    done = []
    s.on("2026-04-07")
    plan = [("一季度安全生产大检查整改", "finance", ["hr", "it"], "2026-04-17", "2026-04-16"),
            ("客户投诉热线升级改造", "service", ["it"], "2026-04-17", "2026-04-24"),
            ("办公用品集中采购", "office", [], "2026-04-24", "2026-04-22"),
            ("年度培训需求调查", "hr", [], "2026-04-30", "2026-04-29"),
            ("机房空调更换", "it", [], "2026-05-08", "2026-05-15"),
            ("差旅费标准修订", "finance", [], "2026-05-15", "2026-05-14"),
            ("客服知识库建设", "service", ["it"], "2026-05-22", "2026-05-21"),
            ("办公网络升级改造", "it", ["office"], "2026-05-29", "2026-05-28"),
            ("人员档案数字化", "hr", ["it"], "2026-06-05", "2026-06-10")]
    items = [(s.directive(t, lead, co, due), lead, co, finish) for t, lead, co, due, finish in plan]
    for item, lead, co, _ in items:
        s.do(f"{lead}.head" if lead != "office" else "office", item, "handle", "accept", on=lead)
    for item, lead, co, finish in sorted(items, key=lambda x: x[3]):
        s.on(finish, 15)
        s.finish(item, lead, co, "已按要求办结，材料已报送督办员")
        done.append(item)

    s.on("2026-05-25")
    hiring = s.directive("年度人员招聘计划", "hr", [], "2026-06-05")
    s.do("hr.head", hiring, "handle", "accept", on="hr")
    s.do("hr.head", hiring, "handle", "request_extension", on="hr", new_due="2026-06-12", reason="等待编制批复")
    s.do("office", hiring, "handle", "approve", kind="extension", comment="同意")
    doc = site.start("incoming_document", {"title": "关于开展数据安全检查的通知", "sender": "市数据局",
                                           "doc_number": "市数〔2026〕12号", "received_on": "2026-05-25",
                                           "due": "2026-06-05", "urgency": "urgent"}, "clerk")
    s.do("clerk", doc, "register", "submit")
    s.do("office", doc, "propose", "assign", lead="it", co=["office"], due="2026-06-05")
    s.do("leader", doc, "instruct", "agree", opinion="同意，请信息技术部抓紧落实。")
    s.do("clerk", doc, "dispatch", "transfer", lead="it", co=["office"])
    s.do("it.head", doc, "handle", "accept", on="it")  # signed for at once: unsigned for 2 working days, it returns
    s.do("office", doc, "handle", "accept", on="office")
    s.on("2026-06-01")
    reimburse = s.directive("财务报销流程优化", "finance", [], "2026-06-10")
    archive = s.directive("档案室改造", "office", ["it"], "2026-06-12", by="clerk")
    s.do("finance.head", reimburse, "handle", "accept", on="finance")
    s.on("2026-06-04", 15)
    s.do("office", doc, "handle", "complete", on="office", opinion="已转发各部门")
    s.do("it.head", doc, "handle", "complete", on="it", report="检查完成，问题已整改")
    s.do("clerk", doc, "archive", "submit")
    s.on("2026-06-10", 16)
    s.do("hr.head", hiring, "handle", "complete", on="hr", report="招聘计划已印发")
    s.do("clerk", hiring, "verify", "approve")
    s.on("2026-06-11")
    survey = s.directive("客户满意度调查方案", "service", [], "2026-06-24")
    s.do("service.head", survey, "handle", "accept", on="service")
    s.do("service.head", survey, "handle", "transfer", on="service", to="service.staff1", reason="请许客服具体承办")
    s.do("service.staff1", survey, "handle", "accept", on="service.staff1")
    s.on("2026-06-15")
    s.do("service.staff1", survey, "handle", "progress", on="service.staff1", text="问卷已设计完成，正在抽样", percent=40)
    s.do("clerk", reimburse, "handle", "chase", on="finance", message="已超期，请今日反馈办理进展")
    s.do("leader", survey, "handle", "instruct", on="service.staff1", text="请兼顾线上线下渠道，月底前报初稿。")
    s.on("2026-06-17")
    s.do("service.staff1", survey, "handle", "request_extension", on="service.staff1", new_due="2026-07-03",
         reason="抽样范围扩大至全部网点")
    energy = s.directive("节能降耗专项行动", "finance", ["office"], "2026-06-22")
    budget = s.directive("预算执行情况分析", "finance", [], "2026-06-26")
    s.directive("信息系统等保测评", "it", [], "2026-06-30")
    site.start("incoming_document", {"title": "关于报送半年工作总结的通知", "sender": "市政府办公室",
                                     "doc_number": "市政办〔2026〕8号", "received_on": "2026-06-18",
                                     "due": "2026-06-29"}, "clerk")
    s.on("2026-06-22", 10)  # the Monday after the Dragon Boat Festival (端午节, 19-21 June)
    return {"survey": survey, "reimburse": reimburse, "archive": archive, "energy": energy, "budget": budget}


def main(out: Path = OUT) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(datetime(2026, 4, 7, 9, 0, tzinfo=SHANGHAI))
    site = open_site(f"sqlite:///{Path(tempfile.mkdtemp(prefix='duban-shots-')) / 'shots.db'}", clock)
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    items = seed(site, clock)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(site, simulated_clock=True), host="127.0.0.1", port=port,
                                        log_level="warning"))
    threading.Thread(target=srv.run, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    progress = "li.task[data-step=handle] details[data-action=progress] > summary"
    shots = [("finance.head", "zh", "/tasks", "inbox.png", progress),
             ("leader", "zh", f"/items/{items['survey']}", "item.png", None),
             ("leader", "zh", "/board", "board.png", None), ("clerk", "zh", "/ledger", "ledger.png", None),
             ("leader", "en", "/board", "board-en.png", None)]
    # on a phone (360 px, drawn at twice the pixels): the first screen of each page, the menu unfolded on one
    phone = [("service.staff1", "zh", "/tasks", "phone-tasks.png", "button.menu-button"),
             ("leader", "zh", f"/items/{items['survey']}", "phone-item.png", None),
             ("leader", "zh", "/board", "phone-board.png", None)]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for who, lang, path, name, click in shots + phone:
            on_phone = name.startswith("phone-")
            ctx = browser.new_context(viewport={"width": 360, "height": 740} if on_phone else {"width": 1280, "height": 860},
                                      device_scale_factor=2 if on_phone else 1, is_mobile=on_phone, has_touch=on_phone,
                                      locale="zh-CN" if lang == "zh" else "en-GB")
            ctx.add_cookies([{"name": "duban_lang", "value": lang, "url": base}])
            page = ctx.new_page()
            page.goto(f"{base}/login")
            page.fill("#username", who)
            page.fill("#password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_url("**/tasks**")
            page.goto(base + path)
            if click:
                page.locator(click).first.click()
            page.screenshot(path=str(out / name), full_page=not on_phone)
            print(out / name)
            ctx.close()
        browser.close()
    srv.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
