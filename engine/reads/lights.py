"""Lights (亮灯) as people see them: the facts of open items gathered from their rows and tasks, the light of each
by the one rule (engine.core.lights.light), the board's counts of lights per unit and per level, and the board's
filters by level and light. Missed milestones and report windows come through one adapter (`missed`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from engine.reads import checkpoints
from engine.core import lights as rule
from engine.core.dsl import LightRules
from engine.core.org import Holder
from engine.core.states import ItemState, OPEN_TASK_STATES, TaskKind, item_overdue

LEVELS = {"normal": ("一般", "Normal"), "key": ("重点", "Key"), "flagged": ("挂牌督办", "Flagged")}
LIGHTS = tuple(x.value for x in rule.Light)
_NOTHING_MISSED = {"milestone": None, "report": None}


def missed(site: Any, item_ids: list[int], now: datetime, loaded: dict | None = None,
           memo: dict | None = None) -> dict[int, dict]:
    """Per item, the milestone (its title) and the report window (its day) missed at `now`
    (engine.reads.checkpoints.missed: milestones and report schedules, 节点 and 定期反馈; `loaded` and `memo`
    passed on)."""
    if not item_ids:
        return {}
    return checkpoints.missed(site, item_ids, now, loaded=loaded, memo=memo) or {}


def level_of(subject: dict | None) -> str:
    """An item's supervision level (督办级别); items of definitions without one count as 一般 (normal)."""
    v = (subject or {}).get("level")
    return v if v in LEVELS else "normal"


def level_label(level: str, lang: str = "zh") -> str:
    zh, en = LEVELS.get(level, (level, level))
    return en if lang.startswith("en") else zh


def facts(row: Any, tasks: Iterable[Any], now: datetime, gone: dict | None = None) -> rule.Facts:
    """The facts of one item: `row` has state, due_at, created_at, progress_percent; `tasks` have kind, state,
    due_at; `gone` is its entry of `missed`."""
    tasks = list(tasks)
    open_dues = [t.due_at for t in tasks if t.due_at is not None and _kind(t) == TaskKind.work.value
                 and _state(t) in _OPEN]
    gone = gone or _NOTHING_MISSED
    return rule.Facts(overdue=item_overdue(_state(row), tasks, now), due_at=row.due_at or min(open_dues, default=None),
                      started_at=row.created_at, progress=row.progress_percent,
                      missed_milestone=gone.get("milestone"), missed_report=gone.get("report"))


def shown(site: Any, row: Any, tasks: Iterable[Any], thresholds: LightRules, now: datetime,
          gone: dict | None = None) -> dict | None:
    """The light of a running item as the API and the pages show it (None once it is closed):
    {"light", "label": {zh, en}, "reason": {zh, en}, "reason_code"}."""
    if _state(row) != ItemState.running.value:
        return None
    colour, why = rule.light(facts(row, tasks, now, gone), now, thresholds, site.cal)
    zh, en = rule.LABELS[colour]
    return {"light": colour.value, "label": {"zh": zh, "en": en}, "reason": {"zh": why.zh, "en": why.en},
            "reason_code": why.code}


def text(lit: dict | None, lang: str = "zh") -> str:
    """The light with its reason in one text (the ledger's 亮灯 column), or "" for a closed item."""
    if not lit:
        return ""
    why = rule.Reason(lit["reason_code"], lit["reason"]["zh"], lit["reason"]["en"])
    return rule.shown(lit["light"], why, lang)


def of_items(site: Any, rows: list[Any], tasks: dict[int, list], now: datetime, loaded: dict | None = None,
             memo: dict | None = None) -> dict[int, dict | None]:
    """The light of each item (rows as the board loads them, with `definition_key` and `definition_version`).
    `loaded`: the items' snapshots when the caller has read them already (the ledger), so they are not read
    again; `memo`: a dict the caller keeps for one `now` (engine.core.checkpoint_facts.facts)."""
    gone = missed(site, [r.id for r in rows if r.state == ItemState.running.value], now, loaded, memo)
    rules: dict[tuple, LightRules] = {}  # per definition version, looked up once
    for r in rows:
        if (r.definition_key, r.definition_version) not in rules:
            rules[(r.definition_key, r.definition_version)] = thresholds(site, r)
    return {r.id: shown(site, r, tasks.get(r.id, []), rules[(r.definition_key, r.definition_version)], now,
                        gone.get(r.id)) for r in rows}


def thresholds(site: Any, row: Any) -> LightRules:
    """The `lights:` thresholds of the definition version an item runs on."""
    try:
        return site.definition(row.definition_key, row.definition_version).lights
    except Exception:  # a definition no longer loadable: the documented defaults
        return LightRules()


def narrow(site: Any, rows: list[Any], tasks: dict[int, list], level: str | None, light: str | None,
           now: datetime) -> list[Any]:
    """The board's and the ledger's filters by level and by light (a light filter keeps running items only)."""
    if level:
        rows = [r for r in rows if level_of(r.subject) == level]
    if light:
        lit = of_items(site, rows, tasks, now)
        rows = [r for r in rows if (lit.get(r.id) or {}).get("light") == light]
    return rows


def light_counts(site: Any, rows: list[Any], tasks: dict[int, list], now: datetime, lang: str = "zh") -> dict:
    """Over the running items: how many show each light, in total, per lead unit and per level (rows as the
    board loads them, already narrowed to what the person may see)."""
    running = [r for r in rows if r.state == ItemState.running.value]
    lit = of_items(site, running, tasks, now)
    empty = {k: 0 for k in LIGHTS}
    total, units, levels = dict(empty), {}, {k: {"level": k, "name": level_label(k, lang), **empty} for k in LEVELS}
    for r in running:
        colour = (lit.get(r.id) or {}).get("light")
        if colour is None:
            continue
        total[colour] += 1
        unit = r.lead_unit or ""
        if unit not in units:
            name = site.org.holder_name(Holder(unit=unit), lang) if unit else ("—")
            units[unit] = {"unit": unit, "name": name, **empty}
        units[unit][colour] += 1
        levels[level_of(r.subject)][colour] += 1
    return {"total": total, "by_unit": sorted(units.values(), key=lambda u: u["unit"]),
            "by_level": list(levels.values())}


_OPEN = frozenset(s.value for s in OPEN_TASK_STATES)


def _state(x: Any) -> str:
    return getattr(x.state, "value", x.state)


def _kind(x: Any) -> str:
    return getattr(x.kind, "value", x.kind)
