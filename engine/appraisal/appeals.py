"""Appeals (申诉) and calibration changes, as hooks of the cycle's steps: each change records before, after, reason
and who (appraisal_change) and an audit event; an adjusted appeal re-publishes the result (a new revision).

Timeline words never carry scores or reasons (everyone in the cycle sees its timeline); the details are in the
change records and the audit events' data."""
from __future__ import annotations

from typing import Any

from engine.appraisal import store
from engine.appraisal.calibration import breaches, distribution, new_band
from engine.core.model import Call, Effect, Event, Notify
from engine.core.org import Holder
from engine.core.states import InputError, NotAllowed, NotFound
from engine.store.db import Connection


def _cycle_in(conn: Connection, item: Any, states: tuple[str, ...], zh: str, en: str) -> Any:
    cycle = store.cycle(conn=conn, instance_id=item.id)
    if cycle.state not in states:
        raise NotAllowed(zh, en, {"cycle": cycle.id, "state": cycle.state})
    return cycle


def _change(conn: Connection, cycle: Any, row: Any, call: Call, kind: str, score: Any, band: Any, now: Any) -> dict:
    after = {"score": score, "band": band}
    store.add_change(conn=conn, row={"cycle_id": cycle.id, "login": row.login, "kind": kind,
                                     "before": {"score": row.score, "band": row.band}, "after": after,
                                     "reason": call.data.get("reason") or "", "by": call.actor or "system",
                                     "task_id": call.task_id, "at": now})
    return after


def _target(scheme: Any, row: Any, data: dict) -> tuple[float | None, str | None]:
    score = round(float(data["score"]), 2) if data.get("score") is not None else row.score
    band = new_band(scheme, score if data.get("score") is not None else None, data.get("band")) or row.band
    return score, band


def calibrate(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    """校准: change one person's band and/or score, with a reason, before the sign-off."""
    cycle = _cycle_in(conn, item, ("scored",), "只有在校准环节才能调整考核结果", "results are calibrated only at calibration")
    person = call.data["person"]
    try:
        row = store.result(conn=conn, cycle_id=cycle.id, login=person)
    except NotFound:
        raise InputError("person", f"“{person}”没有本期考核结果", f"{person!r} has no result in this cycle") from None
    score, band = _target(store.frozen_schemes(cycle)[row.category], row, call.data)
    if (score, band) == (row.score, row.band):
        raise InputError("band", "与当前结果相同，无需校准", "that is the current result already")
    _change(conn, cycle, row, call, "calibration", score, band, ctx.now)
    store.update_result(conn=conn, cycle_id=cycle.id, login=person, score=score, band=band)
    return [Event("calibrate", "校准了 1 人的考核结果（见校准记录）", "calibrated one result (see the calibration record)",
                  task_id=call.task_id, data={"person": person, "before": {"score": row.score, "band": row.band},
                                              "after": {"score": score, "band": band}, "reason": call.data["reason"]})]


def sign_off(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    """校准签发: the gate before publication. Bands over their quota need a written reason."""
    cycle = _cycle_in(conn, item, ("scored",), "得分尚未计算完毕，不能签发", "scores are not computed yet")
    found = breaches(distribution(store.results(conn=conn, cycle_id=cycle.id), store.frozen_schemes(cycle)))
    reason = (call.data.get("reason") or "").strip()
    if found and not reason:
        words = "；".join(f"{b['category']} {b['band']} {b['count']} 人，限 {b['allowed']} 人" for b in found)
        raise NotAllowed(f"以下等次超出比例：{words}。请先校准，或在签发时说明理由",
                         "some bands are over their quota: calibrate first, or give a reason when signing off",
                         {"breaches": found})
    store.update_cycle(conn=conn, cycle_id=cycle.id, state="calibrated", calibrated_at=ctx.now,
                       calibrated_by=call.actor)
    if found:
        store.add_change(conn=conn, row={"cycle_id": cycle.id, "login": "*", "kind": "signoff",
                                         "before": {"breaches": found}, "after": {}, "reason": reason,
                                         "by": call.actor or "system", "task_id": call.task_id, "at": ctx.now})
    return [Event("sign_off", "校准签发" + ("（超出比例，已说明理由）" if found else ""),
                  "calibration signed off" + (" (quotas exceeded, with a reason)" if found else ""),
                  task_id=call.task_id, data={"breaches": found})]


def appeal(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    cycle = _cycle_in(conn, item, ("published",), "结果尚未公布或已定稿，不能申诉", "results are not open to appeal now")
    store.result(conn=conn, cycle_id=cycle.id, login=call.task_data["ratee"])
    store.update_result(conn=conn, cycle_id=cycle.id, login=call.task_data["ratee"], appeal="open")
    return []


def uphold(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    cycle = _cycle_in(conn, item, ("published",), "结果已定稿", "the results are final")
    row = store.result(conn=conn, cycle_id=cycle.id, login=call.task_data["ratee"])
    _change(conn, cycle, row, call, "upheld", row.score, row.band, ctx.now)
    store.update_result(conn=conn, cycle_id=cycle.id, login=row.login, appeal="upheld")
    return []


def adjust(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    """An appeal adjusts a result: recorded, and the result re-published as a new revision."""
    cycle = _cycle_in(conn, item, ("published",), "结果已定稿", "the results are final")
    row = store.result(conn=conn, cycle_id=cycle.id, login=call.task_data["ratee"])
    schemes = store.frozen_schemes(cycle)
    score, band = _target(schemes[row.category], row, call.data)
    _change(conn, cycle, row, call, "appeal", score, band, ctx.now)
    rev = cycle.revision + 1
    store.update_cycle(conn=conn, cycle_id=cycle.id, revision=rev)
    store.update_result(conn=conn, cycle_id=cycle.id, login=row.login, score=score, band=band, appeal="adjusted",
                        revision=rev)
    b = schemes[row.category].band(band) if band else None
    return [Notify([Holder(person=row.login)], "auto_notice",
                   {"message": f"{cycle.period} 考核结果经申诉调整后重新公布（第 {rev} 版）：{score:.2f} 分，"
                               f"{b.name.zh if b else '-'}。"}),
            Event("republish", f"重新公布考核结果（第 {rev} 版）", f"results re-published (revision {rev})",
                  task_id=call.task_id, data={"person": row.login, "revision": rev})]
