"""A first quarter in the office on the manual clock (5 January to Friday 27 March 2026): two directives a week to
the four units, most finished on time, some late, some left open past due and carded by the sweeps; read by the
bulletin and slip tests."""
from __future__ import annotations

from datetime import date, timedelta

from engine.runtime.sweep import sweep
from tests.support.clock import at

UNITS = ("finance", "hr", "service", "it")
FIRST_MONDAY = date(2026, 1, 5)
LAST_FRIDAY = "2026-03-27 17:00"


def drive_quarter(office, clock) -> dict[str, list[int]]:
    """Twelve weeks of directives; returns the item ids by outcome (on_time, late, open)."""
    o = office
    out: dict[str, list[int]] = {"on_time": [], "late": [], "open": []}
    late_due: list[tuple[int, str, date]] = []
    for k in range(12):
        monday = FIRST_MONDAY + timedelta(weeks=k)
        clock.set(at(f"{monday} 09:30"))
        sweep(o.site)
        for item, unit, when in [x for x in late_due if x[2] <= monday]:  # late ones finish two weeks on
            o.do(f"{unit}.head", item, "handle", "complete", on=unit, report="补办完成")
            o.do("clerk", item, "verify", "approve")
            late_due.remove((item, unit, when))
        for j in range(2):
            unit = UNITS[(2 * k + j) % 4]
            item = o.issue_directive(title=f"第{k + 1}周督办事项{j + 1}", lead_unit=unit, co_units=[],
                                     due=str(monday + timedelta(days=10)))  # Thursday of the next week
            o.register_and_assign(item)
            o.do(f"{unit}.head", item, "handle", "accept", on=unit)
            if j == 0:
                out["on_time"].append(item)
            elif k % 3 == 0:
                out["late"].append(item)
                late_due.append((item, unit, monday + timedelta(weeks=3)))
            else:
                out["open"].append(item)
        clock.set(at(f"{monday + timedelta(days=2)} 15:00"))  # Wednesday: last week's first item is done on time
        sweep(o.site)
        if k:
            prev = out["on_time"][-2]
            unit = UNITS[(2 * (k - 1)) % 4]
            o.do(f"{unit}.head", prev, "handle", "complete", on=unit, report="已办结")
            o.do("clerk", prev, "verify", "approve")
    clock.set(at(LAST_FRIDAY))
    sweep(o.site)
    return out
