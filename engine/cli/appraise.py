"""`duban appraise --period 2026Q1 [--report]`: start the period's cycle by hand (the same key as the trigger: a
second start reports the existing cycle), or print every person's explained result."""
from __future__ import annotations

import argparse

from engine.appraisal import store
from engine.appraisal.periods import parse_period
from engine.appraisal.report import report_text
from engine.appraisal.trigger import DEFINITION, start_cycle
from engine.runtime.boot import open_site
from engine.store import db


def appraise_command(args: argparse.Namespace) -> int:
    site = open_site(args.db)
    period = parse_period(args.period).key
    if args.report:
        with db.read(site.eng) as conn:
            cycle = store.cycle(conn=conn, period=period, definition=DEFINITION)
        print(report_text(site, cycle.id), end="")
        return 0
    cycle_id, created = start_cycle(site, period)
    c = _cycle(site, cycle_id)
    if created:
        print(f"已开启 {c.period} 考核周期（周期 {cycle_id}，事项 {c.instance_id}）/ started the {c.period} cycle "
              f"(cycle {cycle_id}, item {c.instance_id})")
    else:
        print(f"{c.period} 考核周期已存在（周期 {cycle_id}，状态 {c.state}）/ the {c.period} cycle already exists "
              f"(cycle {cycle_id}, {c.state}); nothing started")
    return 0


def _cycle(site, cycle_id):  # noqa: ANN001, ANN202
    with db.read(site.eng) as conn:
        return store.cycle(conn=conn, cycle_id=cycle_id)
