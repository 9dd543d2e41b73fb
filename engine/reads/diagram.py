"""A definition as a Mermaid flowchart.

`mermaid(defn, lang, current)` draws one node per step (title and kind in `lang`), end steps as
stadiums, outcome / review / `when:` labels on the edges, each chase step as a dotted note linked to
the steps it supervises, and the `current` step highlighted. Pure: no I/O, no framework.
"""
from __future__ import annotations

from typing import Any

from engine.core import dsl

KINDS = {
    "task": ("任务", "task"), "assign": ("交办", "assign"), "co_handle": ("会办", "co-handle"),
    "transfer": ("转办", "transfer"), "review": ("审核", "review"), "auto": ("自动", "automatic"),
    "end": ("结束", "end"), "chase": ("催办", "chase"), "circulate": ("传阅", "circulate"),
}
WORDS = {
    "start": ("开始", "start"), "approve": ("通过", "approve"), "reject": ("退回", "reject"),
    "return": ("退回", "return"), "split": ("可分解", "may split"),
}
UNITS = {  # unit: (zh, en singular, en plural)
    "working_days": ("个工作日", "working day", "working days"), "days": ("天", "day", "days"),
    "working_hours": ("个工作小时", "working hour", "working hours"), "hours": ("小时", "hour", "hours"),
}
# words Mermaid reads as keywords: such step ids are written in capitals (step ids are lower-case)
RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classdef", "click",
            "linkstyle", "direction", "call", "href", "default"}


def _en(lang: str) -> bool:
    return lang.startswith("en")


def _word(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if _en(lang) else pair[0]


def _node_id(step_id: str) -> str:
    return step_id.upper() if step_id in RESERVED else step_id


def _text(s: str) -> str:
    """Text made safe inside a quoted Mermaid label (entity codes for the characters it reads)."""
    s = " ".join(str(s).split()).replace("#", "#35;")
    for ch, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        s = s.replace(ch, code)
    return s


def _duration(d: dsl.Duration, lang: str) -> str:
    n = int(d.amount) if d.amount == int(d.amount) else d.amount
    zh, one, many = UNITS[d.unit]
    return f"{n} {(one if n == 1 else many) if _en(lang) else zh}"


def chase_text(step: dsl.ChaseStep, lang: str = "zh") -> str:
    """One line of what a chase step does, e.g. 提醒 2 个工作日前 / 逾期每 1 个工作日催办 / 3 个工作日黄牌."""
    en, parts = _en(lang), []
    if step.when:
        parts.append(f"when {step.when}" if en else f"适用：{step.when}")
    if step.remind_before:
        d = _duration(step.remind_before, lang)
        parts.append(f"remind {d} before" if en else f"提醒 {d}前")
    if step.remind_every:
        d = _duration(step.remind_every, lang)
        parts.append(f"then every {d}" if en else f"此后每 {d}提醒")
    if step.at_due:
        parts.append("remind at due" if en else "到期提醒")
    if step.every_overdue:
        d = _duration(step.every_overdue, lang)
        parts.append(f"chase every {d} overdue" if en else f"逾期每 {d}催办")
    for e in step.escalate:
        d = _duration(e.after_overdue, lang)
        card = {"yellow": ("黄牌", "yellow card"), "red": ("红牌", "red card")}[e.card]
        parts.append(f"{card[1]} after {d} overdue" if en else f"{d}{card[0]}")
    if step.report is not None:  # 定期反馈: every Friday / every month on the 25th
        n, unit, on = step.report
        wd = "一二三四五六日"[on] if unit == "week" else ""
        if en:
            day = dsl.WEEKDAYS[on] if unit == "week" else f"day {on}"
            parts.append(f"report every {'' if n == 1 else f'{n} '}{unit}{'' if n == 1 else 's'} on {day}")
        else:
            parts.append((f"每周{wd}反馈" if n == 1 else f"每 {n} 周的周{wd}反馈") if unit == "week" else
                         f"每{'' if n == 1 else f' {n} 个'}月 {on} 日反馈")
    if step.on_timeout:
        what = {"notify": ("通知", "notify"), "reassign": ("改派", "reassign"), "return": ("退回", "return")}
        act = _word(what[step.on_timeout.action], lang)
        if step.on_timeout.after_unsigned is not None:
            d = _duration(step.on_timeout.after_unsigned, lang)
            parts.append(f"{act} if unsigned after {d}" if en else f"{d}未签收{act}")
        else:
            d = _duration(step.on_timeout.after_overdue, lang)
            parts.append(f"{act} after {d} overdue" if en else f"逾期 {d}{act}")
    return " / ".join(parts)


def kind_label(step: Any, lang: str = "zh") -> str:
    """A step's kind under its title, "(会办)"; a step whose lead may split the item (任务分解) says so: "(会办 · 可分解)"."""
    split = f" · {_word(WORDS['split'], lang)}" if getattr(step, "split", None) is not None else ""
    return f"({_word(KINDS[step.kind], lang)}{split})"


def mermaid(defn: dsl.Definition, lang: str = "zh", current: str | None = None) -> str:
    """The definition as Mermaid `flowchart TD` text."""
    lines = ["flowchart TD", f'    START(("{_text(_word(WORDS["start"], lang))}"))']
    edges: list[str] = [f"    START --> {_node_id(defn.start)}"]
    chases: list[str] = []

    def edge(a: str, b: str, *label: str | None, arrow: str = "-->") -> None:
        text = ": ".join(x for x in label if x)
        mid = f'{arrow}|"{_text(text)}"|' if text else arrow
        edges.append(f"    {_node_id(a)} {mid} {_node_id(b)}")

    for sid, step in defn.steps.items():
        nid, title = _node_id(sid), step.title.text(lang)
        label = _text(f"{title}") + "<br/>" + _text(kind_label(step, lang))
        if isinstance(step, dsl.ChaseStep):
            lines.append(f'    {nid}>"{_text(title)}<br/>{_text(chase_text(step, lang))}"]')
            chases.append(nid)
            for target in step.attach_to:
                if target in defn.steps:
                    edge(sid, target, arrow="-.->")
            continue
        if isinstance(step, dsl.EndStep):
            lines.append(f'    {nid}(["{label}"])')
            continue
        lines.append(f'    {nid}["{label}"]')
        approve = _word(WORDS["approve"], lang) if isinstance(step, dsl.ReviewStep) else None
        for t in step.next:
            edge(sid, t.to, approve, t.when)
        if isinstance(step, dsl.TaskStep):
            for name, outcome in step.outcomes.items():
                for t in outcome.next:
                    edge(sid, t.to, outcome.label.text(lang) if outcome.label else name, t.when)
        if isinstance(step, dsl.ReviewStep):
            edge(sid, step.reject_to, _word(WORDS["reject"], lang))
        if step.return_to:
            edge(sid, step.return_to, _word(WORDS["return"], lang))

    lines += edges
    lines.append("    classDef chase fill:#fff8e1,stroke:#b08800,stroke-dasharray:4 3,color:#5c4400")
    lines.append("    classDef current fill:#fde68a,stroke:#d97706,stroke-width:3px,font-weight:bold")
    if chases:
        lines.append(f"    class {','.join(chases)} chase")
    if current is not None and current in defn.steps:
        lines.append(f"    class {_node_id(current)} current")
    return "\n".join(lines) + "\n"
