"""Read models of appraisal cycles for the API and the report, and who may see what: results are seen by the
office director, administrators, leaders and auditors at any time; once published, by the person themself and by
the head of their unit. Peer ratings are only ever shown as a count and a mean."""
from __future__ import annotations

from typing import Any

from engine.appraisal import store
from engine.appraisal.calibration import breaches, distribution
from engine.appraisal.scoring import EVIDENCE, explain
from engine.core.model import Actor
from engine.core.states import NotAllowed, NotFound
from engine.store import db
from engine.core import policy

STARTERS = frozenset({"office_director", "admin"})
STATES = {"open": ("进行中", "open"), "measured": ("指标已计算", "metrics computed"), "scored": ("待校准", "to calibrate"),
          "calibrated": ("已校准", "calibrated"), "published": ("已公布", "published"), "final": ("已定稿", "final")}
PUBLISHED = ("published", "final")


def may_start(actor: Actor) -> bool:
    return bool(actor.roles & STARTERS)


def require_starter(actor: Actor) -> None:
    if not may_start(actor):
        raise NotAllowed("仅办公室主任和系统管理员可发起考核", "only the office director or an administrator starts a cycle")


def _summary(site: Any, row: Any, item: Any, people: int) -> dict:
    zh, en = STATES.get(row.state, (row.state, row.state))
    step = site.definition(item.definition_key, item.definition_version).steps.get(item.current_step or "")
    return {
        "id": row.id, "period": row.period, "definition": row.definition_key, "state": row.state,
        "state_label": {"zh": zh, "en": en}, "instance_id": row.instance_id, "serial": item.serial,
        "title": item.title, "item_state": item.state, "current_step": item.current_step,
        "current_step_title": {"zh": step.title.zh, "en": step.title.en} if step is not None else None,
        "revision": row.revision, "people": people, "period_start": row.period_start, "period_end": row.period_end,
        "opened_at": row.opened_at, "scored_at": row.scored_at, "calibrated_at": row.calibrated_at,
        "published_at": row.published_at, "finalized_at": row.finalized_at,
        "schemes": {cat: {"id": s["id"], "fingerprint": s["fingerprint"], "file": s["file"]}
                    for cat, s in sorted((row.schemes or {}).items())},
    }


def _items(conn: Any, ids: list[int]) -> dict[int, Any]:
    return store.items(conn=conn, ids=ids)


def _people(conn: Any, ids: list[int]) -> dict[int, int]:
    return store.member_counts(conn=conn, cycle_ids=ids)


def list_cycles(site: Any) -> list[dict]:
    """Every cycle, newest period first."""
    with db.read(site.eng) as conn:
        rows = store.cycles(conn=conn)
        items = _items(conn, [r.instance_id for r in rows])
        people = _people(conn, [r.id for r in rows])
    return [_summary(site, r, items[r.instance_id], people.get(r.id, 0)) for r in rows]


def cycle_view(site: Any, cycle_id: int) -> dict:
    with db.read(site.eng) as conn:
        row = store.cycle(conn=conn, cycle_id=cycle_id)
        item = _items(conn, [row.instance_id])[row.instance_id]
        out = _summary(site, row, item, _people(conn, [row.id]).get(row.id, 0))
        out["units"] = store.units(conn=conn, cycle_id=cycle_id)
    return out


def _visible(actor: Actor, cycle: Any, member: Any) -> bool:
    if policy.may_calibrate(actor):
        return True
    if cycle.state not in PUBLISHED:
        return False
    return member.login == actor.login or ("unit_head" in actor.roles and member.unit == actor.unit)


def _band_name(schemes: dict, category: str, band: str | None) -> dict | None:
    b = schemes[category].band(band) if band and category in schemes else None
    if b:
        return {"id": b.id, "zh": b.name.zh, "en": b.name.en}
    return {"id": band, "zh": band, "en": band} if band else None


def _row(r: Any, m: Any, schemes: dict) -> dict:
    return {"person": r.login, "name": {"zh": m.name_zh, "en": m.name_en or m.login}, "unit": r.unit,
            "category": r.category, "score": r.score, "band": _band_name(schemes, r.category, r.band),
            "computed_score": r.computed_score, "computed_band": _band_name(schemes, r.category, r.computed_band),
            "changed": (r.score, r.band) != (r.computed_score, r.computed_band), "appeal": r.appeal,
            "revision": r.revision, "fingerprint": r.fingerprint}


def results(site: Any, cycle_id: int, login: str) -> dict:
    """The results the caller may see (an empty list before publication, for most people)."""
    actor = site.actor(login)
    with db.read(site.eng) as conn:
        cycle = store.cycle(conn=conn, cycle_id=cycle_id)
        members = {m.login: m for m in store.members(conn=conn, cycle_id=cycle_id)}
        rows = store.results(conn=conn, cycle_id=cycle_id)
    schemes = store.frozen_schemes(cycle)
    shown = [_row(r, members[r.login], schemes) for r in rows if _visible(actor, cycle, members[r.login])]
    return {"cycle": cycle_id, "period": cycle.period, "state": cycle.state, "revision": cycle.revision,
            "results": shown}


def _ids(s: str | None) -> list[int]:
    return sorted(int(x) for x in s.split(",")) if s else []


def result(site: Any, cycle_id: int, person: str, login: str | None) -> dict:
    """One person's explained result: per dimension raw → normalised → weight → contribution, the band and its
    threshold, the metrics with their evidence tasks, and every change with its reason. `login` None: no check."""
    with db.read(site.eng) as conn:
        cycle = store.cycle(conn=conn, cycle_id=cycle_id)
        try:
            m = store.member(conn=conn, cycle_id=cycle_id, login=person)
            r = store.result(conn=conn, cycle_id=cycle_id, login=person)
        except NotFound:
            raise NotFound("没有这个人的考核结果", "no such result", {"person": person}) from None
        if login is not None and not _visible(site.actor(login), cycle, m):
            raise NotFound("没有这个人的考核结果", "no such result", {"person": person})
        metric = store.metrics(conn=conn, cycle_id=cycle_id, logins=[person]).get(person)
        changes = [c for c in store.changes(conn=conn, cycle_id=cycle_id, login=person)]
    schemes = store.frozen_schemes(cycle)
    evidence = {k: _ids(v) for k, v in (metric.evidence if metric else {}).items()}
    late = set(evidence.get("late", []))
    evidence["completed_on_time"] = [x for x in evidence.get("completed", []) if x not in late]
    breakdown = explain(schemes[r.category], r.breakdown)
    dims = []
    for d in breakdown.get("dimensions", []):
        d = dict(d)
        if d.get("source") == "metric":
            d["evidence"] = {k: evidence.get(k, []) for k in d.get("evidence", [])}
        dims.append(d)
    figures = dict(metric.figures) if metric else {}
    return {
        **_row(r, m, schemes), "cycle": cycle_id, "period": cycle.period, "state": cycle.state,
        "supervisor": m.supervisor, "scheme": breakdown.get("scheme"), "score_exact": breakdown.get("score_exact"),
        "band_detail": breakdown.get("band"), "next_band": breakdown.get("next_band"),
        "present_weight": breakdown.get("present_weight"), "renormalised": breakdown.get("renormalised"),
        "notes": breakdown.get("notes", []), "dimensions": dims,
        "metrics": {k: {"value": v, "tasks": evidence.get(_evidence_key(k), [])} for k, v in figures.items()},
        "changes": [{"kind": c.kind, "before": c.before, "after": c.after, "reason": c.reason, "by": c.by,
                     "at": c.at, "task_id": c.task_id} for c in changes],
    }


def _evidence_key(figure: str) -> str:
    return {"completed_on_time": "completed_on_time", "on_time_rate": "completed", "handling_days": "completed",
            "avg_handling_days": "completed", "completed_lead": "completed", "completed_single": "completed"}.get(
        figure, EVIDENCE.get(figure, [figure])[0])


def calibration(site: Any, cycle_id: int, login: str) -> dict:
    """The distribution of bands per category against the quotas, and every change so far (calibrators)."""
    actor = site.actor(login)
    if not policy.may_calibrate(actor):
        raise NotAllowed("仅办公室主任、领导、审计员和系统管理员可查看校准", "only calibrators, leaders and auditors see "
                         "the calibration")
    with db.read(site.eng) as conn:
        cycle = store.cycle(conn=conn, cycle_id=cycle_id)
        rows = store.results(conn=conn, cycle_id=cycle_id)
        changes = store.changes(conn=conn, cycle_id=cycle_id)
    dist = distribution(rows, store.frozen_schemes(cycle))
    return {"cycle": cycle_id, "period": cycle.period, "state": cycle.state, "distribution": dist,
            "breaches": breaches(dist), "signed_off_at": cycle.calibrated_at, "signed_off_by": cycle.calibrated_by,
            "changes": [{"person": c.login, "kind": c.kind, "before": c.before, "after": c.after, "reason": c.reason,
                         "by": c.by, "at": c.at, "task_id": c.task_id} for c in changes]}
