"""`duban simulate`: a dry run of a definition on a simulated clock, printing every reminder, chase and
escalation that would fire (on-time, late or extended handling), before the definition is deployed."""
from __future__ import annotations

import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.core import dsl
from engine.core.org import Holder
from engine.runtime.boot import demo_org_path, load_org_file, open_site, register_definitions
from engine.clock import ManualClock, SystemClock
from engine.cli.demo import Drill
from engine.parser.loader import load_file
from engine.reads.items import item_view, timeline_text
from engine.runtime.site import Site

SAMPLES = {"text": "演练事项", "long_text": "演练内容", "number": 1, "boolean": False}


def sample_subject(defn: dsl.Definition, site: Site, due: date) -> dict:
    """A subject with every required field filled in plausibly."""
    units = [u for u in site.org.units if u != "office"]
    out: dict = {}
    for name, f in defn.fields.items():
        if not f.required and name not in ("due", "lead_unit"):
            continue
        if f.type in SAMPLES:
            out[name] = SAMPLES[f.type]
        elif f.type == "date":
            out[name] = due.isoformat()
        elif f.type == "datetime":
            out[name] = site.cal.close_of(due).isoformat()
        elif f.type == "enum":
            out[name] = f.default or f.values[0]
        elif f.type == "unit":
            out[name] = units[0]
        elif f.type == "units":
            out[name] = units[1:3]
        elif f.type == "person":
            out[name] = "leader"
    return out


def _holder_login(site: Site, task: dict) -> str:
    return site.org.logins_of(Holder(**task["holder"]))[0]


def _work(site: Site, drill: Drill, item: int, scenario: str, due: date) -> bool:
    """Take the next natural action; return False when nothing is left to do."""
    v = item_view(site, item, None)
    if v["state"] != "running":
        return False
    open_tasks = [t for t in v["tasks"] if t["state"] in ("pending", "active")]
    if not open_tasks:
        return False
    cal = site.cal
    decisions = [t for t in open_tasks if t["kind"] == "extension"]
    open_tasks = decisions or open_tasks  # decide extension requests first
    for t in open_tasks:
        who = _holder_login(site, t)
        step = site.definition(v["definition"], v["definition_version"]).steps[t["step"]]
        act = lambda action, **data: site.act(t["id"], action, who, data)  # noqa: E731
        if t["kind"] == "extension":
            act("approve", comment="同意")
        elif t["state"] == "pending":
            act("accept")
        elif isinstance(step, dsl.AssignStep):
            p = t["data"].get("prefill", {})
            act("assign", lead=p.get("lead") or sample_subject(site.definition(v["definition"]), site, due).get(
                "lead_unit", "finance"), co=p.get("co", []), due=p.get("due") or due.isoformat())
        elif isinstance(step, dsl.TransferStep):
            act("transfer", **t["data"].get("prefill", {}))
        elif isinstance(step, dsl.TaskStep):
            act("submit", outcome=next(iter(step.outcomes))) if step.outcomes else act("submit")
        elif isinstance(step, dsl.ReviewStep):
            act("approve")
        elif isinstance(step, dsl.CoHandleStep) and t["part"] == "co":
            act("complete", opinion="同意")
        elif isinstance(step, dsl.CoHandleStep):
            due_day = cal.local_date(t["due_at"]) if t["due_at"] else due
            if scenario == "extended" and not t["data"].get("extensions"):
                drill.until(cal.prev_working_day(cal.prev_working_day(due_day)))
                act("request_extension", new_due=(due_day + timedelta(days=14)).isoformat(), reason="演练：申请延期")
                continue
            rules = v and site.definition(v["definition"], v["definition_version"]).chase_rules_for(t["step"])
            if scenario == "late" and rules:
                worst = max([e.after_overdue for e in rules.escalate], key=lambda d: d.amount, default=None)
                days = int(worst.amount) + 1 if worst else 3
                moment = cal.add_working_days(cal.close_of(due_day), days)
            else:
                moment = cal.close_of(cal.prev_working_day(due_day))
            drill.until(cal.local_date(moment), 10)
            act("complete", report="演练：办结")
        else:
            return False
    return True


def simulate_text(path: str, *, scenario: str = "late", start: str | None = None) -> str:
    defn, _ = load_file(path)
    tz = ZoneInfo("Asia/Shanghai")
    when = datetime.fromisoformat(start) if start else None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    clock = ManualClock(when or datetime.combine(SystemClock().now().astimezone(tz).date(), time(9), tz))
    folder = Path(tempfile.mkdtemp(prefix="duban-simulate-"))
    site = open_site(f"sqlite:///{folder / 'simulate.db'}", clock, register=False)
    load_org_file(site, demo_org_path())
    register_definitions(site, [Path(path)])
    cal = site.cal
    if not cal.is_working_day(cal.local_date(clock.now())):
        clock.set(cal.open_of(cal.next_working_day(cal.local_date(clock.now()))))
    due = cal.local_date(cal.add_working_days(clock.now(), 10))
    header = (f"{defn.title.zh} {defn.title.en} — 演练场景 scenario: {scenario}; "
              f"start {clock.now().astimezone(tz):%Y-%m-%d %H:%M}, due {due}")
    item = site.start(defn.id, sample_subject(defn, site, due), "leader")
    drill = Drill(site, clock)
    for _ in range(200):
        if not _work(site, drill, item, scenario, due):
            break
    return header + "\n" + timeline_text(site, item)
