"""The cycle's automatic stages (open, metrics, scores, publish, finalize) and the four functions an outside runner
(a Prefect flow) maps over units: units_in_scope, run_metrics, run_scores, finish_stage.

Embedded (the default), the `auto` step runs a stage for every unit in-process, in the transaction that entered
it, through the same functions. With DUBAN_STAGES=external the item waits at the metrics and scores steps: the
runner calls run_metrics / run_scores per unit (each its own transaction; a re-run replaces the unit's rows, never
duplicates them) and then finish_stage, which moves the item on once every unit is done."""
from __future__ import annotations

from collections import Counter
from typing import Any

from engine.appraisal import metrics, scope, store
from engine.appraisal.periods import parse_period
from engine.appraisal.schemes import load_dir
from engine.appraisal.scoring import score_person
from engine.core import dsl
from engine.core.machine import APPEAL, PURPOSE
from engine.core.model import Effect, Event, ItemSnap, Notify
from engine.core.org import Holder
from engine.core.states import Conflict, InputError, NotAllowed
from engine.runtime.site import Site
from engine.store import audit, db
from engine.store.db import Connection

FINISHED = {"metrics": ("measured", "任务指标已计算", "task metrics computed"),
            "scores": ("scored", "得分已计算，待校准", "scores computed, to be calibrated")}


def _short(stage: str) -> str:
    name = stage.split(".")[-1]
    if name not in FINISHED:
        raise NotAllowed(f"没有按单位运行的环节“{stage}”", f"no per-unit stage {stage!r}; use metrics or scores")
    return name


def _unlocked(cycle: Any) -> None:
    if cycle.state in store.LOCKED_STATES:
        raise NotAllowed("校准已签发，不能重新计算", "calibration is signed off: nothing is recomputed any more",
                         {"cycle": cycle.id, "state": cycle.state})


# ---------------------------------------------------------------- open
def open_cycle(site: Any, conn: Connection, item: ItemSnap, ctx: Any) -> list[Effect]:
    """Freeze the period, the schemes (fingerprinted), the people in scope, their raters and the attribution."""
    period = parse_period(item.subject.get("period"))
    if period.first > site.cal.local_date(ctx.now):
        raise InputError("period", f"考核期 {period.key} 尚未开始", f"the period {period.key} has not begun")
    taken = store.cycle_of_period(conn=conn, definition=item.definition.id, period=period.key)
    if taken is not None:  # started as a plain item beside the keyed start: one cycle per period all the same
        raise Conflict(f"{period.key} 的考核周期已存在", f"the {period.key} cycle exists already",
                       {"cycle": taken.id, "period": period.key})
    start, end = period.bounds(site.cal)
    loaded = load_dir()
    schemes = {cat: s for cat, (s, _, _) in loaded.items()}
    settings = scope.attribution(site.org)
    rows = scope.members(site.org, schemes, scope.co_handling_counts(conn, start, end, settings))
    frozen = {cat: {"id": s.id, "file": f, "fingerprint": s.fingerprint(), "source": text}
              for cat, (s, text, f) in loaded.items()}
    cid = store.insert_cycle(conn=conn, row={
        "definition_key": item.definition.id, "period": period.key, "instance_id": item.id, "period_start": start,
        "period_end": end, "state": "open", "schemes": frozen, "settings": settings, "revision": 0,
        "opened_at": ctx.now}, members=rows)
    fps = "，".join(f"{v['id']} {v['fingerprint'][:8]}" for v in frozen.values())
    return [Event("appraisal_open", f"考核周期 {period.key} 开启：{len(rows)} 人；冻结考核方案 {fps}",
                  f"Cycle {period.key} opened: {len(rows)} people; schemes frozen: {fps}",
                  data={"cycle": cid, "period": period.key, "people": len(rows),
                        "fingerprints": {k: v["fingerprint"] for k, v in frozen.items()}})]


# ---------------------------------------------------------------- metrics and scores (per unit)
def compute_metrics(site: Any, conn: Connection, cycle: Any, units: list[str] | None) -> int:
    """Metrics of the people of `units` (None: everyone in scope): their rows replaced, the units marked done."""
    _unlocked(cycle)
    mem = store.members(conn=conn, cycle_id=cycle.id, units=units)
    people = {m.login for m in mem}
    heads, sole = cycle.settings["heads"], cycle.settings["sole"]
    filt = None if units is None else {
        "members": sorted(people), "headed": sorted(u for u, h in heads.items() if h in people),
        "roles": sorted(r for r, h in sole.items() if h in people)}
    data = metrics.compute(conn, cal=site.cal, start=cycle.period_start, end=cycle.period_end, people=people,
                           heads=heads, sole=sole, scope=filt)
    now = site.clock.now()
    rows = [{"cycle_id": cycle.id, "login": m.login, "unit": m.unit, "figures": data[m.login]["figures"],
             "evidence": data[m.login]["evidence"], "computed_at": now} for m in mem]
    store.replace_rows(conn=conn, table=store.METRIC, cycle_id=cycle.id, units=units, rows=rows)
    store.unit_done(conn=conn, cycle_id=cycle.id, stage="metrics",
                    units=units or store.units(conn=conn, cycle_id=cycle.id), people=Counter(m.unit for m in mem),
                    now=now)
    return len(rows)


def compute_scores(site: Any, conn: Connection, cycle: Any, units: list[str] | None) -> int:
    """Results of the people of `units` from the frozen metrics, ratings and schemes; changes already recorded
    (calibration) are applied again on top, so a re-run keeps them."""
    _unlocked(cycle)
    mem = store.members(conn=conn, cycle_id=cycle.id, units=units)
    logins = [m.login for m in mem] if units is not None else None
    schemes = store.frozen_schemes(cycle)
    figures = store.metrics(conn=conn, cycle_id=cycle.id, logins=logins, evidence=False)
    ratings = store.ratings(conn=conn, cycle_id=cycle.id, ratees=logins)
    last = {}
    for c in store.changes(conn=conn, cycle_id=cycle.id):
        if c.kind in ("calibration", "appeal"):
            last[c.login] = c.after
    now = site.clock.now()
    rows = []
    for m in mem:
        fp = cycle.schemes[m.category]["fingerprint"]
        r = score_person(schemes[m.category], figures[m.login].figures if m.login in figures else None,
                         ratings.get(m.login, []), fp)
        band = r["band"]
        now_ = last.get(m.login, {"score": r["score"], "band": band})
        rows.append({"cycle_id": cycle.id, "login": m.login, "unit": m.unit, "category": m.category, "fingerprint": fp,
                     "computed_score": r["score"], "computed_band": band, "score": now_["score"], "band": now_["band"],
                     "breakdown": r, "appeal": None, "revision": 0, "computed_at": now})
    store.replace_rows(conn=conn, table=store.RESULT, cycle_id=cycle.id, units=units, rows=rows)
    store.unit_done(conn=conn, cycle_id=cycle.id, stage="scores",
                    units=units or store.units(conn=conn, cycle_id=cycle.id), people=Counter(m.unit for m in mem),
                    now=now)
    return len(rows)


def _finished(conn: Connection, cycle: Any, stage: str, now: Any) -> Event:
    state, zh, en = FINISHED[stage]
    store.update_cycle(conn=conn, cycle_id=cycle.id, state=state, **({"scored_at": now} if stage == "scores" else {}))
    return Event(f"appraisal_{stage}", zh, en, data={"cycle": cycle.id})


def stage_metrics(site: Any, conn: Connection, item: ItemSnap, ctx: Any) -> list[Effect]:
    cycle = store.cycle(conn=conn, instance_id=item.id)
    n = compute_metrics(site, conn, cycle, None)
    ev = _finished(conn, cycle, "metrics", ctx.now)
    return [Event(ev.kind, f"{ev.zh}：{n} 人", f"{ev.en}: {n} people", data={**ev.data, "people": n})]


def stage_scores(site: Any, conn: Connection, item: ItemSnap, ctx: Any) -> list[Effect]:
    cycle = store.cycle(conn=conn, instance_id=item.id)
    n = compute_scores(site, conn, cycle, None)
    ev = _finished(conn, cycle, "scores", ctx.now)
    return [Event(ev.kind, f"{ev.zh}：{n} 人", f"{ev.en}: {n} people", data={**ev.data, "people": n})]


# ---------------------------------------------------------------- publish and finalize (gates)
def publish(site: Any, conn: Connection, item: ItemSnap, ctx: Any) -> list[Effect]:
    """No publication before calibration is signed off. Everyone is told their own result."""
    cycle = store.cycle(conn=conn, instance_id=item.id)
    if cycle.calibrated_at is None:
        raise NotAllowed("校准尚未签发，不能公布考核结果", "calibration is not signed off: results cannot be published",
                         {"cycle": cycle.id})
    store.update_cycle(conn=conn, cycle_id=cycle.id, state="published", published_at=ctx.now, revision=1)
    store.set_results_revision(conn=conn, cycle_id=cycle.id, revision=1)
    schemes = store.frozen_schemes(cycle)
    effects: list[Effect] = []
    rows = store.results(conn=conn, cycle_id=cycle.id)
    for r in rows:
        effects.append(Notify([Holder(person=r.login)], "auto_notice",
                              {"message": f"{cycle.period} 考核结果已公布：{result_words(r, schemes)}。"
                                          f"如有异议，请在申诉期内提出申诉。"}))
    effects.append(Event("publish", f"公布考核结果（第 1 版）：{len(rows)} 人", f"Results published (revision 1): "
                         f"{len(rows)} people", data={"cycle": cycle.id, "revision": 1}))
    return effects


def result_words(r: Any, schemes: dict) -> str:
    if r.score is None:
        return "无法评定"
    b = schemes[r.category].band(r.band) if r.band else None
    return f"{r.score:.2f} 分，{b.name.zh if b else r.band}"


def finalize(site: Any, conn: Connection, item: ItemSnap, ctx: Any) -> list[Effect]:
    """No finalizing while an appeal is open; then the results are locked."""
    cycle = store.cycle(conn=conn, instance_id=item.id)
    open_appeals = [t.id for t in item.open_tasks() if t.data.get(PURPOSE) == APPEAL]
    if open_appeals:
        raise NotAllowed("尚有申诉未处理，不能定稿", "an appeal is still open: the results cannot be finalized",
                         {"tasks": open_appeals})
    store.update_cycle(conn=conn, cycle_id=cycle.id, state="final", finalized_at=ctx.now)
    return [Event("finalize", f"考核结果定稿（第 {cycle.revision} 版），不再更改",
                  f"Results final (revision {cycle.revision}); locked", data={"cycle": cycle.id})]


# ---------------------------------------------------------------- for outside runners (Prefect)
def units_in_scope(site: Any, cycle_id: int) -> list[str]:
    """The organisational units whose people the cycle appraises (sorted)."""
    with db.read(site.eng) as conn:
        return store.units(conn=conn, cycle_id=cycle_id)


def run_metrics(site: Any, cycle_id: int, unit: str) -> int:
    """Compute (or recompute) one unit's metrics; returns how many people."""
    with db.write(site.eng) as conn:
        return compute_metrics(site, conn, store.cycle(conn=conn, cycle_id=cycle_id), [unit])


def run_scores(site: Any, cycle_id: int, unit: str) -> int:
    """Compute (or recompute) one unit's results; returns how many people."""
    with db.write(site.eng) as conn:
        return compute_scores(site, conn, store.cycle(conn=conn, cycle_id=cycle_id), [unit])


def finish_stage(site: Any, cycle_id: int, stage: str) -> None:
    """Move the cycle past its `metrics` or `scores` step once every unit is done (NotAllowed names the units
    still missing). Nothing happens if the cycle is not waiting there (already moved on: idempotent)."""
    short = _short(stage)
    with db.read(site.eng) as conn:
        cycle = store.cycle(conn=conn, cycle_id=cycle_id)

    def check(conn: Connection, item: ItemSnap) -> None:
        missing = sorted(set(store.units(conn=conn, cycle_id=cycle_id))
                         - store.units_done(conn=conn, cycle_id=cycle_id, stage=short))
        if missing:
            raise NotAllowed(f"以下单位的{short}尚未完成：{'、'.join(missing)}",
                             f"{short} not done yet for: {', '.join(missing)}", {"units": missing})
        fresh = store.cycle(conn=conn, cycle_id=cycle_id)
        ev = _finished(conn, fresh, short, site.clock.now())
        audit.record(conn=conn, at=site.clock.now(), actor=None, kind=ev.kind, zh=ev.zh, en=ev.en,
                     instance_id=item.id, data=ev.data)

    site.leave_stage(cycle.instance_id, f"appraisal.{short}", check=check)


def waiting(site: Site) -> list[tuple[int, str]]:
    """(cycle id, stage) of every running item that waits at an automatic per-unit step (DUBAN_STAGES=external):
    what an outside runner (workflows.appraisal) has to run."""
    out = []
    with db.read(site.eng) as conn:
        for r in store.running_items(conn=conn):
            step = site.definition(r.definition_key, r.definition_version).steps.get(r.current_step or "")
            if not isinstance(step, dsl.AutoStep) or not step.stage:
                continue
            if site.plugins.per_unit(step.stage):
                out.append((store.cycle(conn=conn, instance_id=r.id).id, step.stage.split(".")[-1]))
    return out
