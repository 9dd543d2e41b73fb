"""A supervision list (会议纪要督办清单) as rows of subjects, pure: the columns 事项, 批示内容/会议要求, 主办单位, 协办单位,
办理时限, 批示领导, 来源, 督办级别 mapped to a definition's subject fields; units and people written as offices write
them (财务部, 王局长) or by their codes; enum values by their label or code; every row then checked with the form's
own checks (engine.core.fields.check_subject, engine.core.assignment.check_proposal), so a bad cell gets the words
the form would give, named by row and column. Nothing is half-accepted: the caller starts items only when
`problems` is empty."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.core import dsl
from engine.core.assignment import check_proposal
from engine.core.fields import check_subject
from engine.core.org import Org
from engine.core.people import RowProblem, unit_of
from engine.core.states import InputError

MAX_ROWS = 500
# (heading, accepted headings, subject field)
COLUMNS = (
    ("事项", ("事项", "督办事项", "title"), "title"),
    ("批示内容/会议要求", ("批示内容/会议要求", "批示内容", "会议要求", "instruction"), "instruction"),
    ("主办单位", ("主办单位", "牵头单位", "lead_unit"), "lead_unit"),
    ("协办单位", ("协办单位", "配合单位", "co_units"), "co_units"),
    ("办理时限", ("办理时限", "完成时限", "due"), "due"),
    ("批示领导", ("批示领导", "leader"), "leader"),
    ("来源", ("来源", "source"), "source"),
    ("督办级别", ("督办级别", "level"), "level"),
)
REQUIRED = ("事项", "批示内容/会议要求", "主办单位")
SPLIT = re.compile(r"[、,，;；\s]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


@dataclass
class ListCheck:
    subjects: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, clean subject)
    problems: list[RowProblem] = field(default_factory=list)


def person_of(org: Org, text: str, field_name: str) -> str:
    """A person by login or by name (王局长); a name two people share is refused, asking for the login."""
    if text in org.people:
        return text
    found = [p.login for p in org.people.values() if text in (p.name_zh, p.name_en)]
    if len(found) == 1:
        return found[0]
    if found:
        raise InputError(field_name, f"有 {len(found)} 人名为“{text}”，请写登录名", f"{len(found)} people are "
                         f"named {text!r}; write the login")
    raise InputError(field_name, f"没有人员“{text}”", f"no person {text!r}")


def choice_of(f: dsl.FieldDef, text: str) -> str:
    """An enum value by its code or its Chinese or English label (挂牌督办, flagged)."""
    for value in f.values or ():
        label = (f.labels or {}).get(value)
        if text == value or (label is not None and text in (label.zh, label.en)):
            return value
    return text  # check_subject refuses it in the form's words


def date_of(text: str) -> str:
    """2026-03-20, 2026/3/20, 2026年3月20日 (a date cell from Excel too) as ISO; anything else as written."""
    m = _DATE.match(text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else text


def _raw_subject(defn: dsl.Definition, org: Org, data: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for heading, _, name in COLUMNS:
        text = data.get(name, "")
        if not text:
            continue
        if name not in defn.fields:
            raise InputError(name, f"流程“{defn.title.zh}”没有“{heading}”一项", f"{defn.title.en} has no {name}")
        f = defn.fields[name]
        if f.type == "unit":
            out[name] = unit_of(org, text, name)
        elif f.type == "units":
            out[name] = [unit_of(org, u, name) for u in SPLIT.split(text) if u]
        elif f.type == "person":
            out[name] = person_of(org, text, name)
        elif f.type == "enum":
            out[name] = choice_of(f, text)
        elif f.type == "date":
            out[name] = date_of(text)
        else:
            out[name] = text
    return out


def check_list(defn: dsl.Definition, org: Org, header: list[str], rows: list[tuple[int, list[str]]],
               today: date) -> ListCheck:
    """Every row of a supervision list as a clean subject of `defn`, or the problems, each by row and column."""
    out = ListCheck()
    heads = [str(h or "").strip() for h in header]
    where: dict[str, int] = {}
    for heading, names, key in COLUMNS:
        i = next((n for n, h in enumerate(heads) if h in names), None)
        if i is not None:
            where[key] = i
        elif heading in REQUIRED:
            out.problems.append(RowProblem(1, heading, f"缺少“{heading}”列", f"the column {heading} is missing"))
    if out.problems:
        return out
    if len(rows) > MAX_ROWS:
        out.problems.append(RowProblem(MAX_ROWS + 2, "", f"一次最多导入 {MAX_ROWS} 行",
                                       f"at most {MAX_ROWS} rows are imported at once"))
        return out
    heading_of = {key: heading for heading, _, key in COLUMNS}
    for number, cells in rows:
        data = {key: str(cells[i] if i < len(cells) else "").strip() for key, i in where.items()}
        if not any(data.values()):
            continue  # an empty line
        try:
            clean = check_subject(defn.fields, _raw_subject(defn, org, data), org=org)
            check_proposal(defn, clean, org, today)
        except InputError as e:
            column = heading_of.get(e.field, e.field)
            out.problems.append(RowProblem(number, column, e.zh.split(": ", 1)[-1], e.en.split(": ", 1)[-1]))
            continue
        out.subjects.append((number, clean))
    if not out.subjects and not out.problems:
        out.problems.append(RowProblem(2, "", "清单里没有事项", "the list holds no item"))
    return out
