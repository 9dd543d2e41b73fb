"""The ledger (督办台账): one row per filtered item the person may see, oldest first, keyed by LEDGER_COLUMNS.
`rows` yields them a chunk of items at a time (engine.store.ledger), so that the exports stream with bounded
memory whatever the row count. Moved here from engine.reads.supervision, which re-exports these names and keeps
`ledger` (the rows as a list) and `ledger_rows` (narrowed by the board's Filters)."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from engine.core.org import Holder
from engine.core.states import ITEM_STATE_LABELS, URGENCY_LABELS, ItemState, item_overdue, urgency_of
from engine.reads import lights, rating as rating_reads
from engine.runtime import proxies
from engine.runtime.site import Site
from engine.store import attachments as attachment_store, board as board_store, db, ledger as ledger_store

CHUNK = ledger_store.CHUNK
CARD_LABELS = {"none": ("—", "—"), "yellow": ("黄牌", "Yellow"), "red": ("红牌", "Red")}
FINISHED = (ItemState.completed.value, ItemState.archived.value)  # the items that should have completion material

LEDGER_COLUMNS = [  # (key, 中文, English): the columns an office keeps, in order
    ("serial", "编号", "No."), ("title", "事项", "Item"), ("source", "来源/批示领导", "Source / leader"),
    ("lead", "主办单位", "Lead unit"), ("co", "协办单位", "Co-handling units"), ("assigned_on", "交办日期", "Assigned on"),
    ("due_on", "办理时限", "Due date"), ("progress", "办理进展", "Progress"), ("closed_on", "办结日期", "Completed on"),
    ("state", "状态", "State"), ("chases", "催办次数", "Chases"), ("card", "亮牌", "Card"), ("light", "亮灯", "Light"),
    ("material", "办结材料", "Completion material"),
    ("proposal", "拟办意见", "Proposal"), ("instruction", "领导批示", "Leader's instruction"),
    ("urgency", "缓急", "Urgency"), ("reply", "办复情况", "Reply"),
    ("rating", "办结评价", "Rating"),  # the instructing leader's (engine.reads.rating)
]
MATERIAL_LABELS = {True: ("有", "yes"), False: ("无", "no")}


def rows(site: Site, *, login: str, narrowed: board_store.Narrowing = board_store.Narrowing(), lang: str = "zh",
         chunk: int = CHUNK) -> Iterator[dict]:
    """The ledger's rows (one per narrowed item the person may see, oldest first, keyed by LEDGER_COLUMNS, dates
    as dates, plus `id`, `state_code`, `overdue`, `card_code` and `has_material`), a chunk of `chunk` items read at
    a time. Who the person is is checked now (an unknown login raises here, not halfway through a download); the
    rows come as they are read. engine.reads.supervision.ledger_rows narrows by the board's Filters."""
    actor = site.actor(login)
    return _stream(site, actor.login, narrowed, site.clock.now(), lang, chunk)


def _stream(site: Site, login: str, narrowed: Any, now: Any, lang: str, size: int) -> Iterator[dict]:
    after = 0
    words = Words(site, lang)  # names and labels looked up once for the whole export
    memo: dict = {}  # what the lights work out once per export at `now` (engine.core.checkpoint_facts)
    while True:
        with db.read(site.eng) as conn:
            viewer = proxies.viewer(site, login, conn)
            got = ledger_store.chunk(conn=conn, viewer=viewer, narrowing=narrowed, now=now, after=after,
                                     definition_of=site.definition, size=size, memo=memo)
            items, tasks = got.items, got.tasks
            finished = [it.id for it in items if it.state in FINISHED]
            material = attachment_store.items_with_material(conn=conn, instance_ids=finished) if finished else set()
        running = [it for it in items if it.state == ItemState.running.value]  # the others have no light
        lit = lights.of_items(site, running, tasks, now, loaded=got.snaps, memo=memo)  # their 亮灯
        for it in items:
            yield row(site, it, tasks[it.id], got.chases.get(it.id, 0), it.id in material, now, lang,
                      lit.get(it.id), words)
        if len(items) < size:
            return
        after = items[-1].id


class Words:
    """The ledger's words for one export in one language: the definitions read once (not once a row), and the
    names of people and units and the labels of sources remembered as they are first met. An export reads many
    rows over a few hundred people and units; nothing here grows with the rows beyond those names."""

    def __init__(self, site: Site, lang: str) -> None:
        self.site, self.lang, self._defs = site, lang, None
        self.org, self.cal = site.org, site.cal  # as they stand when the export starts (each read of site's checks)
        self._names: dict[tuple, str] = {}
        self._sources: dict[tuple, str] = {}

    def holder(self, holder: Holder) -> str:
        key = (holder.person, holder.unit, holder.role)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = self.org.holder_name(holder, self.lang)
        return name

    def person(self, login: str) -> str:
        return self.holder(Holder(person=login))

    def unit(self, unit: str) -> str:
        return self.holder(Holder(unit=unit))

    def source(self, definition_key: str, value: Any) -> str:
        if not value:
            return ""
        key = (definition_key, value if isinstance(value, (str, int)) else repr(value))
        label = self._sources.get(key)
        if label is None:
            if self._defs is None:
                self._defs = self.site.definitions()
            label = self._sources[key] = source_label(self._defs.get(definition_key), value, self.lang)
        return label


def row(site: Site, it: Any, tasks: list[Any], chases: int, has_material: bool, now: Any, lang: str,
        lit: dict | None = None, words: Words | None = None) -> dict:
    """One ledger row from an item, its tasks, its chase count, whether it has completion material and its light
    (`words`: the export's names and labels, else looked up for this row)."""
    w = words or Words(site, lang)
    cal = w.cal
    en = lang.startswith("en")
    overdue = item_overdue(it.state, tasks, now)
    zh_state, en_state = ITEM_STATE_LABELS[ItemState(it.state)]
    state = en_state if en else zh_state
    if overdue:
        state += " (overdue)" if en else "（超期）"
    progress = it.progress or ""
    if progress and it.progress_percent is not None:
        progress += f"（{it.progress_percent}%）" if not en else f" ({it.progress_percent}%)"
    subject_due = (it.subject or {}).get("due")
    return {
        "id": it.id, "serial": it.serial, "title": it.title, "source": _source(site, it, lang, w),
        "lead": lead_of(site, it, lang, w), "co": _co(site, it, lang, w),
        "assigned_on": cal.local_date(it.created_at),
        "due_on": cal.local_date(it.due_at) if it.due_at else (date.fromisoformat(subject_due)
                                                               if isinstance(subject_due, str) else None),
        "progress": progress,
        "closed_on": cal.local_date(it.closed_at) if it.closed_at and it.state != ItemState.cancelled.value
        else None,
        "state": state, "state_code": it.state, "overdue": overdue, "chases": chases,
        "card": CARD_LABELS.get(it.card, (it.card, it.card))[1 if en else 0], "card_code": it.card,
        "material": MATERIAL_LABELS[has_material][1 if en else 0] if it.state in FINISHED else "",
        "has_material": has_material,
        "light": lights.text(lit, lang), "light_code": (lit or {}).get("light"),
        "proposal": (it.assignment or {}).get("opinion") or "",
        "instruction": (it.assignment or {}).get("instruction") or "",
        "urgency": URGENCY_LABELS[u][1 if en else 0] if (u := urgency_of(it.subject)) else "",
        "reply": _reply(it.assignment or {}, en),
        "rating": rating_reads.cell(getattr(it, "rating", None), lang),
    }


def _reply(a: dict, en: bool) -> str:
    """办复情况: the reply's number and date, approved by the office director or waiting for it."""
    if not a.get("reply_number"):
        return ""
    ref = f"{a['reply_number']} ({a.get('reply_date') or ''})" if en else f"{a['reply_number']}（{a.get('reply_date') or ''}）"
    if a.get("reply_decision") == "approve":
        return f"Replied: {ref}" if en else f"已办复：{ref}"
    if a.get("reply_decision") == "redo":
        return f"Sent back for changes: {ref}" if en else f"退回修改：{ref}"
    return f"Awaiting approval: {ref}" if en else f"待审核：{ref}"


def ledger_headers(lang: str = "zh") -> list[str]:
    return [en if lang.startswith("en") else zh for _, zh, en in LEDGER_COLUMNS]


def source_label(defn: Any, value: Any, lang: str) -> str:
    """The label of a subject's `source` (会议决定, 领导批示, ...) as its definition names it, else ''."""
    f = defn.fields.get("source") if defn is not None and value else None
    label = (f.labels or {}).get(value) if f is not None else None
    return label.text(lang[:2]) if label is not None else (str(value) if value else "")


def _source(site: Site, it: Any, lang: str, words: Words | None = None) -> str:
    """来源/批示领导: the source (领导批示 / 会议决定 ...) and instructing leader of a directive, the sender (and
    number) of a document, else the person who registered it."""
    w = words or Words(site, lang)
    s = it.subject or {}
    origin = w.source(it.definition_key, s.get("source"))
    if s.get("leader"):
        leader = w.person(s["leader"])
        return f"{origin} / {leader}" if origin else leader
    if origin:
        return origin
    if s.get("sender"):
        return " ".join(x for x in (s["sender"], s.get("doc_number")) if x)
    return w.person(it.initiator)


def lead_of(site: Site, it: Any, lang: str, words: Words | None = None) -> str:
    """主办单位: the lead unit (and the person handling it, when handed to a person)."""
    w = words or Words(site, lang)
    lead = (it.assignment or {}).get("lead")
    org = w.org
    if lead and lead.get("person") in org.people:  # handed to a person: their unit, and who handles it
        unit = org.people[lead["person"]].unit
        person = w.person(lead["person"])
        return f"{w.unit(unit)} ({person})" if lang.startswith("en") else f"{w.unit(unit)}（{person}）"
    if lead:
        return w.holder(Holder(**lead))
    unit = (it.subject or {}).get("lead_unit")
    return w.unit(unit) if unit else ""


def _co(site: Site, it: Any, lang: str, words: Words | None = None) -> str:
    w = words or Words(site, lang)
    co = (it.assignment or {}).get("co")
    if co is None:
        co = (it.subject or {}).get("co_units") or []
    org = w.org
    names = [w.holder(org.target(u)) if u in org.units or u in org.people else u for u in co]
    return ("、" if not lang.startswith("en") else ", ").join(names)


# the ledger's words for an item's people, for the slips (engine.reads.slips) to say the same
source_of, co_of = _source, _co
