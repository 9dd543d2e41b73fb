"""Registers the appraisal's engine lists, stages and hooks (the names definitions/appraisal_quarterly.yaml uses)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from engine.appraisal import appeals, scope, stages, store
from engine.core.model import Call, Effect
from engine.runtime.site import register_hook, register_list, register_stage

for _name in ("people", "supervisor_pairs", "peer_pairs", "results"):
    register_list(f"appraisal.{_name}")(lambda site, conn, item, _w=_name: scope.entries(conn, item, _w))

register_stage("appraisal.open")(stages.open_cycle)
register_stage("appraisal.metrics", per_unit=True)(stages.stage_metrics)
register_stage("appraisal.scores", per_unit=True)(stages.stage_scores)
register_stage("appraisal.publish")(stages.publish)
register_stage("appraisal.finalize")(stages.finalize)

register_hook("appraisal.calibrate")(appeals.calibrate)
register_hook("appraisal.sign_off")(appeals.sign_off)
register_hook("appraisal.appeal")(appeals.appeal)
register_hook("appraisal.uphold")(appeals.uphold)
register_hook("appraisal.adjust")(appeals.adjust)


@register_hook("appraisal.rating")
def rating(site: Any, conn: Connection, item: Any, call: Call, ctx: Any) -> list[Effect]:
    """A submitted self-assessment, supervisor or peer rating: its values kept for scoring (not on the task)."""
    d = call.task_data
    values = {f["name"]: call.data[f["name"]] for f in d.get("fields") or [] if call.data.get(f["name"]) is not None}
    comment = call.data.get("summary") or call.data.get("comment")
    store.add_rating(conn=conn, row={"cycle_id": d["cycle"], "ratee": d["ratee"], "rater": call.actor,
                                     "relation": d["relation"], "task_id": call.task_id, "scores": values,
                                     "comment": comment, "at": ctx.now})
    return []
