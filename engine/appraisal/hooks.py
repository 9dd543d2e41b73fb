"""The appraisal's engine lists, stages, hooks and scheduled jobs (the names definitions/appraisal_quarterly.yaml
uses), registered on a site's plugin registry by `register` when the site is built."""
from __future__ import annotations

from typing import Any

from engine.appraisal import appeals, scope, stages, store, trigger
from engine.core.model import Call, Effect

LISTS = ("people", "supervisor_pairs", "peer_pairs", "results")


def register(plugins: Any) -> None:
    """Add the appraisal's names to a site's `engine.runtime.plugins.Plugins`."""
    for name in LISTS:
        plugins.add_list(f"appraisal.{name}", lambda site, conn, item, _w=name: scope.entries(conn, item, _w))
    plugins.add_stage("appraisal.open", stages.open_cycle)
    plugins.add_stage("appraisal.metrics", stages.stage_metrics, per_unit=True)
    plugins.add_stage("appraisal.scores", stages.stage_scores, per_unit=True)
    plugins.add_stage("appraisal.publish", stages.publish)
    plugins.add_stage("appraisal.finalize", stages.finalize)
    plugins.add_hook("appraisal.calibrate", appeals.calibrate)
    plugins.add_hook("appraisal.sign_off", appeals.sign_off)
    plugins.add_hook("appraisal.appeal", appeals.appeal)
    plugins.add_hook("appraisal.uphold", appeals.uphold)
    plugins.add_hook("appraisal.adjust", appeals.adjust)
    plugins.add_hook("appraisal.rating", rating)
    plugins.add_hook("recurring.subject", trigger.cycle_subject)  # the cycle's title and period


def rating(site: Any, conn: Any, item: Any, call: Call, ctx: Any) -> list[Effect]:
    """A submitted self-assessment, supervisor or peer rating: its values kept for scoring (not on the task)."""
    d = call.task_data
    values = {f["name"]: call.data[f["name"]] for f in d.get("fields") or [] if call.data.get(f["name"]) is not None}
    comment = call.data.get("summary") or call.data.get("comment")
    store.add_rating(conn=conn, row={"cycle_id": d["cycle"], "ratee": d["ratee"], "rater": call.actor,
                                     "relation": d["relation"], "task_id": call.task_id, "scores": values,
                                     "comment": comment, "at": ctx.now})
    return []
