"""`duban simulate`: a dry run of a definition on a simulated clock, printing every reminder, chase and
escalation that would fire (on-time, late or extended handling), before the definition is deployed."""
from __future__ import annotations

import json
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from engine.core import dsl
from engine.core.fields import coerce
from engine.core.org import Holder
from engine.core.states import InputError
from engine.runtime.boot import demo_org_path, load_org_file, open_site, register_definitions
from engine.clock import ManualClock, SystemClock
from engine.cli.demo import Drill
from engine.parser.loader import load_file
from engine.reads.items import item_view, timeline_text
from engine.runtime.site import Site

MAX_STEPS = 200  # actions the drill takes before it gives up on an item that never ends
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
    """Take the next natural action on one open task; return False when nothing is left to do.

    One task at a time, read afresh each time: moving the clock sweeps, and a timer that fires on the way (a
    timeout that reassigns or returns the task) may close the task the drill was about to act on, or every task
    of its step. Such a task is left alone and the next call starts again from the item as it now stands."""
    v = item_view(site, item, None)
    if v["state"] != "running":
        return False
    open_tasks = [t for t in v["tasks"] if t["state"] in ("pending", "active")]
    if not open_tasks:
        return False
    cal = site.cal
    decisions = [t for t in open_tasks if t["kind"] == "extension"]
    t = (decisions or open_tasks)[0]  # decide extension requests first
    who = _holder_login(site, t)
    defn = site.definition(v["definition"], v["definition_version"])
    step = defn.steps[t["step"]]
    act = lambda action, **data: site.act(t["id"], action, who, data)  # noqa: E731
    if t["kind"] == "extension":
        act("approve", comment="同意")
    elif t["state"] == "pending":
        act("accept")
    elif isinstance(step, dsl.AssignStep):
        p = t["data"].get("prefill", {})
        today = cal.local_date(drill.clock.now())
        again = p.get("due") or due.isoformat()
        if date.fromisoformat(str(again)[:10]) < today:  # assigned again after a return: a new due date
            again = cal.local_date(cal.add_working_days(drill.clock.now(), 10)).isoformat()
        act("assign", lead=p.get("lead") or sample_subject(site.definition(v["definition"]), site, due).get(
            "lead_unit", "finance"), co=p.get("co", []), due=again)
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
            if _wait(site, drill, item, t["id"], cal.prev_working_day(cal.prev_working_day(due_day))):
                act("request_extension", new_due=(due_day + timedelta(days=14)).isoformat(),
                    reason="演练：申请延期")
            return True
        rules = defn.chase_rules_for(t["step"], v["subject"])
        again = any(x["step"] == t["step"] and x["state"] == "returned" for x in v["tasks"])
        if scenario == "late" and rules and not again:  # late the first time; on time once a timeout sent it back
            worst = max([e.after_overdue for e in rules.escalate], key=lambda d: d.amount, default=None)
            days = int(worst.amount) + 1 if worst else 3
            moment = cal.add_working_days(cal.close_of(due_day), days)
        else:
            moment = cal.close_of(cal.prev_working_day(due_day))
        if _wait(site, drill, item, t["id"], cal.local_date(moment)):
            act("complete", report="演练：办结")
    else:
        return False
    return True


def _wait(site: Site, drill: Drill, item: int, task_id: int, day: date, hour: int = 10) -> bool:
    """Let the days pass until `day` at `hour` (never back in time), one day at a time; stop early and return False
    when the task is closed on the way (a timeout reassigned or returned it)."""
    cal = site.cal
    d = cal.local_date(drill.clock.now())
    while d <= day:
        if datetime.combine(d, time(hour), drill.clock.now().tzinfo) > drill.clock.now():
            drill.until(d, hour)
        if not _still_open(site, item, task_id):
            return False
        d += timedelta(days=1)
    return True


def _still_open(site: Site, item: int, task_id: int) -> bool:
    """Whether a task is still open after the clock moved (a timeout may have reassigned or returned it)."""
    return any(t["id"] == task_id and t["state"] in ("pending", "active")
               for t in item_view(site, item, None)["tasks"])


MAX_SUBJECT_JSON = 64_000  # characters of --subject-json
MAX_SUBJECT_PAIRS = 50  # --subject options


def subject_from_options(defn: dsl.Definition, pairs: list[str] | None, text: str | None) -> dict:
    """The subject values given on the command line (`--subject-json` first, then each `--subject FIELD=VALUE`),
    each one coerced by the definition's one coercer; a field the definition lacks is refused by name."""
    given: dict = {}
    if text is not None:
        if len(text) > MAX_SUBJECT_JSON:
            raise InputError("--subject-json", f"最多 {MAX_SUBJECT_JSON} 个字符",
                             f"at most {MAX_SUBJECT_JSON} characters")
        try:
            given = json.loads(text)
        except ValueError as e:
            raise InputError("--subject-json", f"不是有效的 JSON：{e}", f"not valid JSON: {e}") from None
        if not isinstance(given, dict):
            raise InputError("--subject-json", "应为 JSON 对象，如 {\"urgency\": \"urgent\"}",
                             "must be a JSON object, e.g. {\"urgency\": \"urgent\"}")
    if len(pairs or []) > MAX_SUBJECT_PAIRS:
        raise InputError("--subject", f"最多 {MAX_SUBJECT_PAIRS} 项", f"at most {MAX_SUBJECT_PAIRS} options")
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError("--subject", f"应写作 字段=值，收到 {pair!r}", f"write FIELD=VALUE, got {pair!r}")
        given[name.strip()] = value
    out: dict = {}
    for name, value in given.items():
        f = defn.fields.get(name)
        if f is None:
            raise InputError(str(name), f"不是流程《{defn.title.zh}》的字段（可用：{', '.join(defn.fields)}）",
                             f"is not a field of {defn.title.en!r} (fields: {', '.join(defn.fields)})")
        out[name] = coerce(f.type, value, name, choices=f.values, low=f.min, high=f.max)
    return out


def simulate_text(path: str, *, scenario: str = "late", start: str | None = None, due: str | None = None,
                  subject: list[str] | None = None, subject_json: str | None = None) -> str:
    """The timeline of one rehearsed item: from `start` (default: the next working day 09:00), due on `due`
    (default: 10 working days later), with the given subject values over plausible samples."""
    defn, _ = load_file(path)
    given = subject_from_options(defn, subject, subject_json)
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
    if due is not None:
        due_day = coerce("date", due, "--due")
        if due_day < cal.local_date(clock.now()):
            raise InputError("--due", f"办理时限不能早于演练开始日 {cal.local_date(clock.now())}",
                             f"the due date cannot be before the rehearsal starts ({cal.local_date(clock.now())})")
    else:
        due_day = cal.local_date(cal.add_working_days(clock.now(), 10))
    header = (f"{defn.title.zh} {defn.title.en} — 演练场景 scenario: {scenario}; "
              f"start {clock.now().astimezone(tz):%Y-%m-%d %H:%M}, due {due_day}")
    if given:
        header += "; " + ", ".join(f"{k}={v}" for k, v in given.items())
    item = site.start(defn.id, {**sample_subject(defn, site, due_day), **given}, "leader")
    drill = Drill(site, clock)
    for _ in range(MAX_STEPS):
        if not _work(site, drill, item, scenario, due_day):
            break
    else:
        header += f"\n（演练在 {MAX_STEPS} 步后停止 / stopped after {MAX_STEPS} steps）"
    return header + "\n" + timeline_text(site, item)
