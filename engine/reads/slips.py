"""The slips the office hands round, as pure data: the notice of an item (督办通知单: what is asked, of whom, by when,
how it will be chased) for whoever may see the item (engine.reads.items.item_view applies policy.can_see), and the
chase slip of an overdue task (催办单: how late, how often chased, the card, lines for the reply). api/documents/pdf
prints them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.core import dsl
from engine.core.org import Holder
from engine.core.states import Conflict, is_overdue, overdue_days
from engine.reads import items as queries
from engine.reads.supervision import CARD_LABELS, co_of, lead_of, source_of
from engine.runtime.site import Site
from engine.store import db, items as item_store

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
UNITS = {"working_days": ("个工作日", "working day(s)"), "days": ("天", "day(s)"),
         "working_hours": ("个工作小时", "working hour(s)"), "hours": ("小时", "hour(s)")}


def date_words(when: datetime | None, site: Site, lang: str) -> str:
    """2026年3月20日（星期五） or Friday 20 March 2026, in site time."""
    if when is None:
        return "—"
    d = site.cal.local_date(when)
    if lang.startswith("en"):
        return d.strftime("%A %-d %B %Y")
    return f"{d.year}年{d.month}月{d.day}日（{WEEKDAYS[d.weekday()]}）"


def duration_words(d: dsl.Duration, lang: str) -> str:
    n = int(d.amount) if d.amount == int(d.amount) else d.amount
    zh, en = UNITS[d.unit]
    return f"{n} {en}" if lang.startswith("en") else f"{n}{zh}"


def chase_rules(site: Site, defn: dsl.Definition, lang: str) -> list[str]:
    """The definition's chase steps in words: reminders, the notice at due, chases while overdue, the cards."""
    en = lang.startswith("en")
    out = []
    for step in defn.steps.values():
        if not isinstance(step, dsl.ChaseStep):
            continue
        if step.remind_before:
            w = duration_words(step.remind_before, lang)
            out.append(f"A reminder {w} before the due date." if en else f"到期前{w}提醒。")
        if step.at_due:
            out.append("A notice when it falls due." if en else "到期当日发出到期通知。")
        if step.every_overdue:
            w = duration_words(step.every_overdue, lang)
            out.append(f"Once overdue, a chase every {w} (at most {step.max_chases})." if en
                       else f"超期后每{w}催办一次（最多 {step.max_chases} 次）。")
        for e in step.escalate:
            w = duration_words(e.after_overdue, lang)
            card = CARD_LABELS[e.card][1 if en else 0]
            to = _target_words(site, e.to, lang)
            out.append(f"{w} overdue: a {card.lower()} card, reported to {to}." if en else f"超期{w}：亮{card}，报{to}。")
    return out


def _target_words(site: Site, target: str, lang: str) -> str:
    """role:leader, unit:hr or a login in the organisation's words."""
    kind, _, name = target.partition(":")
    if kind in ("role", "unit") and name:
        return site.org.holder_name(Holder(**{kind: name}), lang)
    return site.org.holder_name(Holder(person=target), lang)


def notice(site: Site, *, item_id: int, login: str, lang: str = "zh") -> dict[str, Any]:
    """督办通知单 of an item `login` may see (NotFound otherwise, as for the item itself)."""
    v = queries.item_view(site, item_id, login, lang)
    with db.read(site.eng) as conn:
        _, row = item_store.load_item_and_row(conn=conn, item_id=item_id, definition_of=site.definition)
    defn = site.definition(v["definition"], v["definition_version"])
    s = v["subject"] or {}
    now = site.clock.now()
    return {
        "lang": lang, "serial": v["serial"], "title": v["title"], "instruction": s.get("instruction") or "",
        "leader": source_of(site, row, lang), "lead": lead_of(site, row, lang), "co": co_of(site, row, lang),
        "due": date_words(v["due_at"], site, lang),
        "working_days": site.cal.working_days_between(v["created_at"], v["due_at"]) if v["due_at"] else None,
        "rules": chase_rules(site, defn, lang), "issued_on": date_words(now, site, lang),
        "definition": defn.title.en if lang.startswith("en") else defn.title.zh,
    }


def chase_slip(site: Site, *, task_id: int, login: str, lang: str = "zh") -> dict[str, Any]:
    """催办单 of an overdue task in an item `login` may see; a task not overdue is refused (Conflict)."""
    with db.read(site.eng) as conn:
        item_id = item_store.item_of_task(conn=conn, task_id=task_id)
    v = queries.item_view(site, item_id, login, lang)
    now = site.clock.now()
    with db.read(site.eng) as conn:
        item, row = item_store.load_item_and_row(conn=conn, item_id=item_id, definition_of=site.definition)
    task = item.task(task_id)
    if not is_overdue(task.state, task.due_at, now):
        raise Conflict("这项工作没有超期，不出催办单", "this task is not overdue: no chase slip",
                       {"task": task_id})
    holder = site.org.holder_name(task.holder, lang)
    card = CARD_LABELS[task.card.value][1 if lang.startswith("en") else 0]
    return {
        "lang": lang, "serial": v["serial"], "title": v["title"], "holder": holder, "lead": lead_of(site, row, lang),
        "due": date_words(task.due_at, site, lang), "overdue_days": overdue_days(task.due_at, now, site.cal),
        "chases": task.chase_count, "card": card, "issued_on": date_words(now, site, lang),
    }

