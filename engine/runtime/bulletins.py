"""The scheduled supervision bulletin (督查通报, definitions/bulletin.yaml): at its moment (weekly: Friday 16:00 site
time) the period's bulletin is built from the board's read models, stored with its whole model in both languages,
and its recipients are notified (inbox and outbox rows through engine.runtime.apply's Writes) with a link to the
document, all in one transaction with an audit event. Sent once per period: the key goes into period_run first
(engine.store.items.take_period_key, the appraisal trigger's mechanism), so a restart, a second scheduler or a
retry never sends it twice; a moment missed while the site was down is sent when it comes back, within the same
period. A plugin (registered by default) whose job the site's scheduler runs every DUBAN_TRIGGER_SECONDS."""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from engine.clock import SystemClock
from engine.core.org import Holder
from engine.core.states import NotFound
from engine.parser.bulletin_file import BulletinPlan, load_bulletins
from engine.parser.loader import definitions_dir
from engine.reads import bulletin as model
from engine.reads.bulletin import percent
from engine.reads.supervision import Filters
from engine.runtime import links
from engine.runtime.apply import Writes, tell
from engine.runtime.messages import render
from engine.settings import settings
from engine.store import bulletins as store, db, items as item_store

log = logging.getLogger("duban.bulletin")
AUTHORS = ("office_director", "leader", "clerk")  # whose view of the board a scheduled bulletin takes


def key_of(plan: BulletinPlan, year: int, number: int) -> str:
    sep = {"week": "W", "month": "M", "quarter": "Q"}[plan.period]
    return f"bulletin:{plan.id}:{year}{sep}{number:02d}"


def due(plan: BulletinPlan, now: datetime, cal: Any) -> tuple[str, datetime] | None:
    """(key, moment) of the period whose sending moment has come by `now`, within that same period; else None.
    Weekly: `day` at `at` of the current week; monthly and quarterly: `at` on the period's last working day."""
    today = cal.local_date(now)
    since, _, year, number = model.period_bounds(plan.period, today)
    if plan.period == "week":
        day = since + timedelta(days=plan.day)
    else:
        after = _period_after(plan.period, since)
        day = cal.prev_working_day(after)
    hh, mm = (int(x) for x in plan.at.split(":"))
    moment = datetime.combine(day, time(hh, mm), tzinfo=cal.tz)
    return (key_of(plan, year, number), moment) if moment <= now else None


def _period_after(period: str, since: date) -> date:
    months = 1 if period == "month" else 3
    m = since.month - 1 + months
    return date(since.year + m // 12, m % 12 + 1, 1)


def recipients(site: Any, plan: BulletinPlan) -> list[str]:
    """The logins behind `to`: role:NAME, unit:CODE (its head), or a login."""
    out: list[str] = []
    for target in plan.to:
        if target.startswith("role:"):
            out += site.org.with_role(target[5:])
        elif target.startswith("unit:"):
            out += site.org.logins_of(Holder(unit=target[5:]))
        elif target in site.org.people:
            out.append(target)
    return list(dict.fromkeys(out))


def author(site: Any) -> str:
    for role in AUTHORS:
        people = site.org.with_role(role)
        if people:
            return people[0]
    raise NotFound("没有领导、办公室主任或督办员，无法生成督查通报",
                   "no leader, office director or clerk to see the board for the bulletin")


def send_due(site: Any, now: datetime | None = None, plans: list[BulletinPlan] | None = None) -> list[int]:
    """Send every bulletin whose moment has come and that was not sent for its period; the ids of those sent."""
    now = now or site.clock.now()
    sent = []
    for plan in load_bulletins(definitions_dir()) if plans is None else plans:
        found = due(plan, now, site.cal)
        if found is None:
            continue
        key, _ = found
        with db.read(site.eng) as conn:
            if store.sent_key(conn=conn, key=key):
                continue
        bid = send(site, plan, key, now)
        if bid is not None:
            log.info("sent bulletin %s (%s)", key, bid)
            sent.append(bid)
    return sent


def send(site: Any, plan: BulletinPlan, key: str, now: datetime) -> int | None:
    """Build, store and announce one bulletin under `key`; None when another process took the key first."""
    by = author(site)
    models = {lang: model.build(site, login=by, filters=Filters(), kind=plan.period, lang=lang)
              for lang in ("zh", "en")}
    zh, en = models["zh"], models["en"]
    people = recipients(site, plan)
    w = Writes()
    with db.write(site.eng) as conn:
        try:
            item_store.take_period_key(conn=conn, key=key, at=now)
        except item_store.KeyTaken:
            return None
        bid = store.insert(conn=conn, row={
            "key": key, "definition": plan.id, "heading": zh["heading"][:200],
            "since": date.fromisoformat(zh["since"]), "until": date.fromisoformat(zh["until"]), "sent_at": now,
            "recipients": people, "model": models})
        t = zh["totals"]
        text = render("bulletin", {"heading": zh["heading"], "heading_en": en["heading"], "since": zh["since"],
                                   "until": zh["until"], "new": t["new"], "closed": t["closed"],
                                   "overdue": t["overdue"], "rate": percent(t["rate"]),
                                   "link": f"/board/bulletins/{bid}.pdf",
                                   "link_docx": f"/board/bulletins/{bid}.docx"}, site.cal.tz)
        tell(site, w, people, "bulletin", text, now, url=links.url_of(f"/board/bulletins/{bid}.pdf"))
        w.events.append({"at": now, "actor": None, "kind": "bulletin_sent", "data": {"bulletin": bid, "key": key},
                         "message_zh": f"印发{zh['heading']}，送{len(people)}人",
                         "message_en": f"sent {en['heading']} to {len(people)} people"})
        w.flush(site, conn, now)
    return bid


def run(site: Any) -> None:
    """The scheduler job: never raises (a failure is logged and retried at the next run)."""
    try:
        send_due(site)
    except Exception:  # noqa: BLE001
        log.exception("bulletin failed")


def scheduler_jobs(site: Any) -> list[dict]:
    """APScheduler add_job kwargs: check every DUBAN_TRIGGER_SECONDS against the site clock, and once at start-up."""
    if not load_bulletins(definitions_dir()):
        return []
    return [{"func": run, "trigger": IntervalTrigger(seconds=settings().trigger_seconds), "args": [site],
             "id": "bulletin", "name": "supervision bulletin 督查通报", "next_run_time": SystemClock().now()}]


def register(plugins: Any) -> None:
    plugins.add_jobs(scheduler_jobs)
