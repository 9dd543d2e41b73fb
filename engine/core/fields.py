"""Typed values: the one field coercer (the subject's fields and the actions' fields alike), the one date range
that every date the engine takes must fall in, and the check of a whole subject against a definition's fields."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from engine.core.limits import BY_TYPE, MAX_CODE, MAX_ITEMS, MAX_MILESTONES, MAX_TITLE
from engine.core.states import InputError


@dataclass(frozen=True)
class DateRange:
    """The years a date may fall in: outside them a date is a typing slip, and beyond the working calendar."""

    first: int
    last: int

    def __contains__(self, d: date) -> bool:
        return self.has_year(d.year)

    def has_year(self, year: int) -> bool:
        return self.first <= year <= self.last

    def check(self, d: date, name: str) -> date:
        """`d` itself, or InputError naming the field."""
        if d not in self:
            raise InputError(name, f"日期应在 {self.first} 至 {self.last} 年之间",
                             f"the date must fall between {self.first} and {self.last}")
        return d


DATES = DateRange(2000, 2100)  # every date the engine takes: subjects, action fields, the drill clock
# the years one may look at (the calendar of a year, the date filters of the board, the ledger and the audit trail):
# wider than DATES, so that looking past them answers "nothing known there" instead of an error
YEARS_SHOWN = DateRange(1900, 2200)

TYPE_NAMES = {"text": "文本", "long_text": "长文本", "date": "日期（YYYY-MM-DD）", "datetime": "日期时间",
              "unit": "单位代码", "person": "人员账号", "unit_or_person": "单位或人员", "units": "单位代码列表",
              "targets": "人员、单位或角色列表",
              "number": "数字", "boolean": "是/否", "enum": "选项", "attachments": "附件编号列表",
              "parts": "分解事项列表", "milestones": "节点列表（每行“YYYY-MM-DD 节点名称”）"}
MAX_ATTACHMENTS = 20  # files one entry (a progress report, a completion report...) may carry
MAX_ID = 2**31 - 1
MAX_TARGETS = 50  # people, units or roles one circulation (传阅) or copy (抄送) names
STRINGS = ("text", "long_text", "unit", "person", "unit_or_person")


def is_blank(value: Any) -> bool:
    """No value given: None, an empty or all-space text, an empty list."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def coerce(type_: str, value: Any, name: str, *, choices: Sequence | None = None, low: float | None = None,
           high: float | None = None) -> Any:
    """`value` as a field of type `type_` (one of dsl.FIELD_TYPES, or `unit_or_person`), or InputError naming the
    field. Texts are stripped; a `text` holds one line; texts, codes and lists are bounded (engine.core.limits);
    numbers are finite and within [low, high]; dates and date-times fall in DATES; enum values are among
    `choices`; `units` is a list of codes without repeats."""
    if isinstance(value, str):
        value = value.strip()
    try:
        if type_ in STRINGS:
            if not isinstance(value, str):
                raise ValueError
            if type_ == "text" and "\n" in value:
                raise InputError(name, "单行文本不能换行", "a text field holds one line")
            return _bounded(value, name, BY_TYPE[type_][1])
        if type_ == "enum":
            if choices and value not in choices:
                raise InputError(name, f"取值应为 {', '.join(map(str, choices))} 之一",
                                 f"must be one of {', '.join(map(str, choices))}")
            return value
        if type_ == "units":
            if isinstance(value, str):
                value = [v for v in (p.strip() for p in value.split(",")) if v]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError
            if len(value) > MAX_ITEMS:
                raise InputError(name, f"最多 {MAX_ITEMS} 项（收到 {len(value)} 项）",
                                 f"at most {MAX_ITEMS} entries (got {len(value)})")
            for v in value:
                _bounded(v, name, MAX_CODE)
            if len(set(value)) != len(value):
                raise InputError(name, "单位重复", "a unit is listed twice")
            return value
        if type_ == "attachments":
            return _attachment_ids(value, name)
        if type_ == "milestones":
            return _milestones(value, name)
        if type_ == "targets":  # people, units or role:NAME, at most MAX_TARGETS, none twice
            if isinstance(value, str):
                value = [v for v in (p.strip() for p in value.split(",")) if v]
            if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 100 for v in value):
                raise ValueError
            if len(value) > MAX_TARGETS:
                raise InputError(name, f"最多 {MAX_TARGETS} 个", f"at most {MAX_TARGETS} entries")
            if len(set(value)) != len(value):
                raise InputError(name, "有重复", "an entry is listed twice")
            return value
        if type_ == "number":
            return _number(value, name, low, high)
        if type_ == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes", "是"):
                return True
            if str(value).lower() in ("false", "0", "no", "否"):
                return False
            raise ValueError
        if type_ == "date":
            if isinstance(value, datetime):
                raise ValueError
            try:
                d = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                raise InputError(name, "日期格式应为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None
            return DATES.check(d, name)
        if type_ == "datetime":
            v = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            if v.tzinfo is None:
                raise InputError(name, "日期时间需带时区，如 2026-04-01T09:00:00+08:00",
                                 "a date-time needs a time zone, e.g. 2026-04-01T09:00:00+08:00")
            return DATES.check(v, name)
    except InputError:
        raise
    except (ValueError, TypeError, OverflowError):
        pass
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."  # never echo a whole long input
    raise InputError(name, f"应为{TYPE_NAMES.get(type_, type_)}，收到 {shown}",
                     f"expected {type_.replace('_', ' ')}, got {shown}")


def _bounded(text: str, name: str, most: int) -> str:
    if len(text) > most:
        raise InputError(name, f"不能超过 {most} 个字符（收到 {len(text)} 个）",
                         f"at most {most} characters (got {len(text)})")
    return text


def _attachment_ids(value: Any, name: str) -> list[int]:
    """Ids of uploaded files: a list (or comma-separated text) of at most MAX_ATTACHMENTS ids, none twice."""
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(",")) if v]
    if not isinstance(value, list):
        raise ValueError
    if len(value) > MAX_ATTACHMENTS:
        raise InputError(name, f"附件最多 {MAX_ATTACHMENTS} 个", f"at most {MAX_ATTACHMENTS} files")
    ids = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, str)) or not str(v).isdigit() or not 1 <= int(v) <= MAX_ID:
            raise InputError(name, f"附件编号应为正整数，收到 {v!r}", f"a file id is a positive whole number, got {v!r}")
        ids.append(int(v))
    if len(set(ids)) != len(ids):
        raise InputError(name, "附件重复", "a file is listed twice")
    return ids


def _milestones(value: Any, name: str) -> list[dict]:
    """节点: a list of {title, due} (or text, one milestone a line: "YYYY-MM-DD title"), at most MAX_MILESTONES,
    titles one line of at most MAX_TITLE characters, dates in DATES; kept in the order given, as ISO dates."""
    if isinstance(value, str):
        value = [_milestone_line(line, name, i) for i, line in enumerate(
            x for x in (p.strip() for p in value.splitlines()) if x)]
    if not isinstance(value, list):
        raise ValueError
    if len(value) > MAX_MILESTONES:
        raise InputError(name, f"节点最多 {MAX_MILESTONES} 个（收到 {len(value)} 个）",
                         f"at most {MAX_MILESTONES} milestones (got {len(value)})")
    out = []
    for i, m in enumerate(value):
        where = f"{name}[{i + 1}]"
        if not isinstance(m, dict) or set(m) - {"title", "due"}:
            raise InputError(where, "每个节点写作 {title, due}", "a milestone is written {title, due}")
        title = coerce("text", m.get("title"), f"{where}.title") if not is_blank(m.get("title")) else None
        if title is None:
            raise InputError(f"{where}.title", "节点名称必填", "a milestone needs a title")
        if is_blank(m.get("due")):
            raise InputError(f"{where}.due", "节点时限必填", "a milestone needs a due date")
        due = coerce("date", m["due"], f"{where}.due")
        out.append({"title": _bounded(title, f"{where}.title", MAX_TITLE), "due": due.isoformat()})
    return out


def _milestone_line(line: str, name: str, i: int) -> dict:
    head, _, rest = line.partition(" ")
    if not rest.strip():
        raise InputError(f"{name}[{i + 1}]", "每行写作“YYYY-MM-DD 节点名称”", "write each line as 'YYYY-MM-DD title'")
    return {"due": head, "title": rest.strip()}


def _number(value: Any, name: str, low: float | None, high: float | None) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(name, "应为数字", "must be a number")
    whole = isinstance(value, int) or (isinstance(value, str) and value.lstrip("+-").isdigit())
    try:
        v: int | float = int(value) if whole else float(value)
    except (ValueError, OverflowError):
        raise InputError(name, "应为数字", "must be a number") from None
    if isinstance(v, float) and not math.isfinite(v):
        raise InputError(name, "应为数字", "must be a number")
    if (low is not None and v < low) or (high is not None and v > high):
        lo = f"{low:g}" if low is not None else "-∞"
        hi = f"{high:g}" if high is not None else "∞"
        raise InputError(name, f"应在 {lo} 至 {hi} 之间", f"must be between {lo} and {hi}")
    return v


def check_subject(fields: dict, subject: dict, *, org: Any = None) -> dict:
    """Validate a whole subject: unknown fields, required ones, defaults, types, known units/people."""
    unknown = sorted(set(subject) - set(fields))
    if unknown:
        raise InputError(unknown[0], "不是该流程的字段", f"is not a field of this workflow ({', '.join(unknown)})")
    out: dict = {}
    for name, f in fields.items():
        value = subject.get(name)
        if is_blank(value) and getattr(f, "default_from", None) is not None:
            value = _default_from(fields, subject, f.default_from)
        if is_blank(value):
            if f.default is not None:
                value = f.default
            elif f.required:
                raise InputError(name, "必填", "is required")
            else:
                continue
        value = coerce(f.type, value, name, choices=f.values, low=f.min, high=f.max)
        if org is not None:
            if f.type == "unit" and value not in org.units:
                raise InputError(name, f"没有单位 {value}", f"no unit {value!r}")
            if f.type == "units":
                for u in value:
                    if u not in org.units:
                        raise InputError(name, f"没有单位 {u}", f"no unit {u!r}")
            if f.type == "person" and value not in org.people:
                raise InputError(name, f"没有人员 {value}", f"no person {value!r}")
        out[name] = value
    return out


def _default_from(fields: dict, subject: dict, rule: Any) -> Any:
    """A field's default read from another field's value (given, else that field's own default), or None."""
    source = subject.get(rule.field)
    if is_blank(source) and rule.field in fields:
        source = fields[rule.field].default
    return None if is_blank(source) else rule.map.get(str(source).strip())
