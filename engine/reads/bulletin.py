"""The supervision bulletin (督查通报) as pure data: what it says for a period, taken from the board's own read models
(engine.reads.supervision.summary and ledger, never a second calculation), in plain JSON types so that a sent
bulletin can be stored and rendered again exactly as it was (api/documents renders it as DOCX or PDF).

Numbering: a weekly bulletin is numbered by the ISO week of its period (督查通报〔2026〕第 12 期 is the 12th ISO week
of 2026), a monthly one by the month (1-12), a quarterly one by the quarter (1-4); a bulletin over a custom
`since`/`until` range carries no number. The figures count the items issued in the period (the board's filter):
new items, of them closed, work finished on time and late, items overdue now, the on-time rate; the previous period
is the one before, of the same kind (a custom range: as many days just before it)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from engine.core import policy
from engine.core.states import NotFound
from engine.reads import supervision
from engine.reads.supervision import Filters
from engine.runtime.site import Site
from engine.store import bulletins as store, db

KINDS = ("week", "month", "quarter")
NOT_RATED = ("未评价", "not rated")
WORDS = {  # key -> (中文, English): every word a rendered bulletin shows
    "title": ("督查通报", "Supervision bulletin"), "issue": ("第 {n} 期", "No. {n}"),
    "period": ("通报期间", "Period"), "issued": ("印发日期", "Issued on"), "office": ("督查督办办公室", "Supervision office"),
    "headline": ("一、总体情况", "1. Overview"), "by_unit": ("二、各单位办理情况", "2. By unit"),
    "cards": ("三、亮牌督办事项", "3. Items under yellow and red cards"),
    "closed_items": ("四、本期办结事项", "4. Items closed in the period"),
    "chart": ("五、每周办结与超期", "5. Completions and overdue per week"),
    "closing": ("六、小结", "6. Summary"),
    "figure": ("指标", "Figure"), "this": ("本期", "This period"), "prev": ("上期", "Previous period"),
    "change": ("增减", "Change"),
    "new": ("新交办", "New"), "closed": ("办结", "Closed"), "on_time": ("按时办结", "On time"),
    "late": ("逾期（含未办结）", "Late (incl. open)"), "overdue": ("超期未办结", "Overdue"), "rate": ("按时办结率", "On-time rate"),
    "unit": ("单位", "Unit"), "received": ("承办", "Received"), "chases": ("催办", "Chases"),
    "yellow": ("黄牌", "Yellow"), "red": ("红牌", "Red"),
    "serial": ("编号", "No."), "item": ("事项", "Item"), "lead": ("主办单位", "Lead"), "due": ("办理时限", "Due"),
    "days_overdue": ("超期工作日", "Working days overdue"), "card": ("亮牌", "Card"),
    "closed_on": ("办结日期", "Closed on"), "rating": ("领导评价", "Leader's rating"),
    "week": ("周", "Week"), "completed": ("办结", "Completed"), "fell_overdue": ("当周超期", "Fell overdue"), "none": ("（无）", "(none)"),
    "page": ("第 {p} 页", "Page {p}"),
}


def words(lang: str) -> dict[str, str]:
    i = 1 if lang.startswith("en") else 0
    return {k: v[i] for k, v in WORDS.items()}


def period_bounds(kind: str, today: date) -> tuple[date, date, int, int]:
    """(first day, last day so far, year, number) of the week, month or quarter containing `today`; the bounds
    are the board's own (supervision.period_range)."""
    since, until = supervision.period_range(kind, today)
    if kind == "week":
        iso = today.isocalendar()
        return since, until, iso.year, iso.week
    if kind == "month":
        return since, until, today.year, today.month
    return since, until, today.year, (today.month - 1) // 3 + 1


def previous_range(kind: str | None, since: date, until: date) -> tuple[date, date]:
    """The period before: the whole previous week, month or quarter; for a custom range as many days before it."""
    if kind == "week":
        return since - timedelta(days=7), since - timedelta(days=1)
    if kind in ("month", "quarter"):
        last = since - timedelta(days=1)
        first = supervision.period_range(kind, last)[0]
        return first, last
    days = (until - since).days + 1
    return since - timedelta(days=days), since - timedelta(days=1)


def leader_rating(row: dict, lang: str) -> str:
    """The leader's rating (领导评价, engine.core.rating) of a closed item, from its ledger row: 满意 / 基本满意 /
    不满意, else 未评价 / not rated (not rated yet, lapsed, or no rating asked)."""
    return row.get("rating") or NOT_RATED[1 if lang.startswith("en") else 0]


def build(site: Site, *, login: str, filters: Filters, kind: str | None, lang: str = "zh") -> dict[str, Any]:
    """The bulletin for `filters` (its `since`/`until` are the period; with a `kind` the numbered week, month or
    quarter they came from) as `login` (a supervisor) sees the board."""
    today = site.cal.local_date(site.clock.now())
    since, until = filters.since, filters.until or today
    number = year = None
    if kind in KINDS:
        since, until, year, number = period_bounds(kind, today)
        filters = replace(filters, since=since, until=until)
    if since is None:
        since = date(until.year, 1, 1)
        filters = replace(filters, since=since, until=until)
    s = supervision.summary(site, login=login, filters=filters, lang=lang)
    p_since, p_until = previous_range(kind, since, until)
    prev = supervision.summary(site, login=login, filters=replace(filters, since=p_since, until=p_until),
                               lang=lang)["totals"]
    w = words(lang)
    en = lang.startswith("en")
    head = f"{w['title']} [{year or until.year}] {w['issue'].format(n=number)}" if en and number else \
        f"{w['title']}〔{year}〕{w['issue'].format(n=number)}" if number else \
        f"{w['title']}（{since.isoformat()} — {until.isoformat()}）"
    units = [_unit(u) for u in s["by_unit"] if u["received"] or u["open"]]
    cards = [{"id": c["id"], "serial": c["serial"], "title": c["title"], "lead": c["lead"],
              "due": _day(site, c["due_at"]), "days_overdue": c["overdue_days"], "card": c["card"],
              "card_label": w[c["card"]]} for c in s["cards"]]
    everyone = replace(filters, since=None, until=None)
    closed = [{"id": r["id"], "serial": r["serial"], "title": r["title"], "lead": r["lead"],
               "closed_on": r["closed_on"].isoformat(), "rating": leader_rating(r, lang)}
              for r in supervision.ledger(site, login=login, filters=everyone, lang=lang)
              if r["closed_on"] is not None and since <= r["closed_on"] <= until]
    totals = s["totals"]
    return {
        "lang": "en" if en else "zh", "kind": kind, "year": year, "number": number, "heading": head,
        "since": since.isoformat(), "until": until.isoformat(), "issued_on": today.isoformat(),
        "previous": {"since": p_since.isoformat(), "until": p_until.isoformat()},
        "filters": {k: v for k, v in vars(filters).items() if v is not None and k not in ("since", "until")},
        "totals": totals, "previous_totals": prev, "units": units, "cards": cards, "closed": closed,
        "weeks": [{"label": x["label"], "start": x["start"].isoformat(), "completed": x["completed"],
                   "overdue": x["overdue"]} for x in s["weeks"]],
        "closing": closing(totals, prev, units, cards, lang), "words": w,
    }


def _unit(u: dict) -> dict:
    return {k: u[k] for k in ("unit", "name", "received", "closed", "on_time", "late", "open", "overdue", "rate",
                              "chases", "yellow", "red")}


def _day(site: Site, when: Any) -> str:
    return site.cal.local_date(when).isoformat() if when is not None else ""


def percent(rate: float | None) -> str:
    """An on-time rate as the bulletin prints it: 66.7%, or — when nothing finished."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def change(now: float | int | None, before: float | int | None, *, rate: bool = False) -> str:
    """This period against the previous one: +3, -2, +12.5 pt (percentage points), or — when either is missing."""
    if now is None or before is None:
        return "—"
    if rate:
        return f"{(now - before) * 100:+.1f} pt"
    return f"{now - before:+d}"


def closing(t: dict, prev: dict, units: list[dict], cards: list[dict], lang: str) -> list[str]:
    """The closing paragraph: plain facts read off the figures, nothing more."""
    reds, yellows = sum(c["card"] == "red" for c in cards), sum(c["card"] == "yellow" for c in cards)
    worst = sorted((u for u in units if u["overdue"]), key=lambda u: (-u["overdue"], u["unit"]))[:3]
    if lang.startswith("en"):
        out = [f"In this period {t['new']} item(s) were issued and {t['closed']} of them closed; {t['on_time']} "
               f"piece(s) of work were finished on time and {t['late']} late, an on-time rate of {percent(t['rate'])} "
               f"(previous period {percent(prev['rate'])}). {t['overdue']} item(s) are overdue; "
               f"{reds} under a red card and {yellows} under a yellow card."]
        if worst:
            out.append("Most overdue work: " + ", ".join(f"{u['name']} ({u['overdue']})" for u in worst) + ".")
        return out
    out = [f"本期新交办事项 {t['new']} 项，已办结 {t['closed']} 项；按时办结 {t['on_time']} 件，逾期办结 {t['late']} 件，"
           f"按时办结率 {percent(t['rate'])}（上期 {percent(prev['rate'])}）。目前超期未办结事项 {t['overdue']} 项，"
           f"其中红牌 {reds} 项、黄牌 {yellows} 项。"]
    if worst:
        out.append("超期未办结较多的单位：" + "、".join(f"{u['name']}（{u['overdue']} 件）" for u in worst) + "。")
    return out


# ------------------------------------------------------------------ bulletins as sent
def sent_list(site: Site, *, login: str, limit: int, offset: int) -> tuple[list[dict], int]:
    """(one page of the bulletins the schedule sent, newest first, how many in all), for those who see the board."""
    policy.require_supervisor(site.actor(login))
    with db.read(site.eng) as conn:
        rows, total = store.listing(conn=conn, limit=limit, offset=offset)
    return [dict(r._mapping) for r in rows], total


def sent_model(site: Site, *, login: str, bulletin_id: int, lang: str) -> dict:
    """A sent bulletin's model exactly as it was stored when it was sent, in `lang`, for those who see the board."""
    policy.require_supervisor(site.actor(login))
    with db.read(site.eng) as conn:
        row = store.get(conn=conn, bulletin_id=bulletin_id)
    if row is None:
        raise NotFound(f"没有督查通报 {bulletin_id}", f"no bulletin {bulletin_id}", {"bulletin": bulletin_id})
    return row.model["en" if lang.startswith("en") else "zh"]
