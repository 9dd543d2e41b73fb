"""Typed subject fields: coerce and check values against a definition's field declarations."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine.core.states import InputError


def coerce(field: Any, value: Any, name: str) -> Any:
    """Return `value` as the field's type, or raise InputError naming the field."""
    t = field.type
    try:
        if t in ("text", "long_text", "unit", "person"):
            if not isinstance(value, str):
                raise ValueError
            value = value.strip()
            if t == "text" and "\n" in value:
                raise InputError(name, "单行文本不能换行", "a text field holds one line")
            return value
        if t == "enum":
            if value not in (field.values or []):
                raise InputError(name, f"取值应为 {', '.join(field.values)} 之一",
                                 f"must be one of {', '.join(field.values)}")
            return value
        if t == "units":
            if isinstance(value, str):
                value = [v for v in (p.strip() for p in value.split(",")) if v]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError
            if len(set(value)) != len(value):
                raise InputError(name, "单位重复", "a unit is listed twice")
            return value
        if t == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ValueError
            return float(value) if "." in str(value) else int(value)
        if t == "boolean":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1", "yes", "是"):
                return True
            if str(value).lower() in ("false", "0", "no", "否"):
                return False
            raise ValueError
        if t == "date":
            if isinstance(value, datetime):
                raise ValueError
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        if t == "datetime":
            v = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            if v.tzinfo is None:
                raise InputError(name, "日期时间需带时区，如 2026-04-01T09:00:00+08:00",
                                 "a date-time needs a time zone, e.g. 2026-04-01T09:00:00+08:00")
            return v
    except InputError:
        raise
    except (ValueError, TypeError):
        pass
    zh = {"text": "文本", "long_text": "长文本", "date": "日期（YYYY-MM-DD）", "datetime": "日期时间",
          "unit": "单位代码", "person": "人员账号", "units": "单位代码列表", "number": "数字",
          "boolean": "是/否"}.get(t, t)
    raise InputError(name, f"应为{zh}，收到 {value!r}", f"expected {t.replace('_', ' ')}, got {value!r}")


def check_subject(fields: dict, subject: dict, *, org: Any = None) -> dict:
    """Validate a whole subject: unknown fields, required ones, defaults, types, known units/people."""
    unknown = sorted(set(subject) - set(fields))
    if unknown:
        raise InputError(unknown[0], "不是该流程的字段", f"is not a field of this workflow ({', '.join(unknown)})")
    out: dict = {}
    for name, f in fields.items():
        value = subject.get(name)
        if value is None or value == "" or value == []:
            if f.default is not None:
                value = f.default
            elif f.required:
                raise InputError(name, "必填", "is required")
            else:
                continue
        value = coerce(f, value, name)
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


def to_json(subject: dict) -> dict:
    """Subject values as JSON-safe data (dates as ISO strings)."""
    return {k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in subject.items()}


def from_json(fields: dict, data: dict) -> dict:
    """Stored subject back to typed values."""
    out = {}
    for k, v in data.items():
        f = fields.get(k)
        if f is not None and v is not None and f.type in ("date", "datetime") and isinstance(v, str):
            v = date.fromisoformat(v) if f.type == "date" else datetime.fromisoformat(v)
        out[k] = v
    return out
