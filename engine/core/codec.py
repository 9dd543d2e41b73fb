"""The one JSON codec: engine values (dates, date-times, enums, tuples, sets) as JSON-safe data, a canonical JSON
text of them (for fingerprints), and a stored subject back to typed values by its field declarations."""
from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any, Mapping


_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_json(value: Any) -> Any:
    """`value` as JSON-safe data: dates and date-times as ISO text, enums as their values, tuples as lists and
    sets as sorted lists, through dicts and lists at any depth; anything else is returned as it is."""
    kind = type(value)
    if kind in _PLAIN:  # the most frequent values first (an exact type: a str-valued Enum is not plain)
        return value
    if kind is dict:
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)
    return value


def dumps(value: Any) -> str:
    """Canonical JSON text of `value` (keys sorted, no spaces): equal values give equal text. A value the codec
    does not know raises TypeError instead of being written as some string."""
    return json.dumps(to_json(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def from_json(fields: Mapping[str, Any], data: Mapping[str, Any]) -> dict:
    """A stored subject back to typed values: `date` and `datetime` fields from their ISO text."""
    out = {}
    for k, v in data.items():
        f = fields.get(k)
        if f is not None and isinstance(v, str) and f.type in ("date", "datetime"):
            v = date.fromisoformat(v) if f.type == "date" else datetime.fromisoformat(v)
        out[k] = v
    return out
