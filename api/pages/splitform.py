"""The split form (任务分解) on the item page: its rows come back as `parts.N.KEY` form fields; gathered here into the
`parts` list the action takes (blank rows left out, a row's co-handling units a list), in row order."""
from __future__ import annotations

import re

from engine.core.limits import MAX_PARTS

_KEY = re.compile(r"^parts\.(\d{1,3})\.(title|lead|co|due|instruction|weight)$")


def gather(data: dict) -> dict:
    """`data` with its `parts.N.KEY` fields replaced by `parts`: [{title, lead, co, due, instruction, weight}]."""
    rows: dict[int, dict] = {}
    rest = {}
    for key, value in data.items():
        m = _KEY.match(key)
        if m is None:
            rest[key] = value
            continue
        if value in ("", []):
            continue
        n, field = int(m.group(1)), m.group(2)
        rows.setdefault(n, {})[field] = ([value] if isinstance(value, str) else value) if field == "co" else value
    if rows:
        # more rows than any split takes are passed on as they are, so that the action's bound refuses them
        rest["parts"] = [rows[n] for n in sorted(rows)][:MAX_PARTS + 1]
    return rest
