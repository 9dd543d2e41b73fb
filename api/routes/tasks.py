"""Task actions: POST the action's fields; an optional `version` guards against stale views (409), and an
Idempotency-Key header makes a retried POST act once. Whoever loses a race (a stale version, or a task someone has
just closed) gets 409 `conflict` naming the winner, their action and when."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api import idempotency, views
from api.deps import AuthClockDep, CurrentUser, LangDep, SiteDep, TaskId
from api.routes import ERRORS
from api.schemas.brief import ActionBrief, ReturnMode
from api.schemas.items import ActionResult
from api.errors import body as error_body, status_of
from api.schemas.tasks import ActionInput, BulkInput, BulkResult, TaskPublic
from engine.reads import brief, lists as listing
from engine.core.states import DubanError, InputError
from engine.runtime import bulk, permissions

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=ERRORS)
ActionName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="e.g. accept, transfer, complete")]


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(task_id: TaskId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """One task with every action the caller may take now and the actions' fields (what a 我的待办 card opens);
    404 when there is no such task or the caller may not see its item."""
    return listing.task_full(site, task_id=task_id, login=user.login, lang=lang)


@router.post("/bulk/{action}", response_model=BulkResult)
def take_in_bulk(action: ActionName, user: CurrentUser, site: SiteDep, lang: LangDep, payload: BulkInput):
    """批量办理: one action (chase, assign, transfer, approve, complete, read, accept — 签收) on at most 200 tasks,
    each checked and applied on its own (its own transaction and audit event); answers per task `ok`, or the
    refusal in the error shape with the status it would have alone. Nothing is undone when another task fails."""
    fields = views.no_nul(payload.fields, "fields")

    def refused(e: DubanError) -> dict:
        details = dict(e.details)
        if isinstance(e, InputError):
            details.setdefault("fields", [e.field])
        return {**error_body(e.code, e.message(lang), details), "status": status_of(e)}

    results = bulk.act_on_each(site, action, user.login, payload.task_ids, fields, refused)
    done = sum(r["ok"] for r in results)
    return {"action": action, "done": done, "refused": len(results) - done, "results": results}


@router.post("/{task_id}/actions/{action}", response_model=ActionResult)
def take_action(task_id: TaskId, action: ActionName, user: CurrentUser, site: SiteDep, lang: LangDep,
                clock: AuthClockDep, body: Annotated[ActionInput | None, Body()] = None,
                idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
                ret: ReturnMode = "full"):
    """Take an action on a task; answers the updated task and its item (with `?return=minimal`: both briefly,
    the item's open tasks and a link, without re-reading the whole item)."""
    data = views.no_nul(dict(body.model_extra or {}) if body else {}, "")
    version = body.version if body else None
    minimal = ret == "minimal"
    shape = ActionBrief if minimal else ActionResult

    def run() -> dict:
        if minimal:  # the brief is read in the action's transaction: no second transaction
            done = permissions.act_as(site, task_id, action, user.login, data, expected_version=version,
                                      answer=brief.in_action(site, task_id))
            return brief.seen(done.answer, done.instance_id)
        done = permissions.act_as(site, task_id, action, user.login, data, expected_version=version)
        return listing.task_and_item(site, task_id=task_id, item_id=done.instance_id, login=user.login, lang=lang)

    if idempotency_key is None and not minimal:
        return run()
    if idempotency_key is None:
        payload = jsonable_encoder(ActionBrief.model_validate(run()))
        return JSONResponse(payload, headers={"Location": payload["item"]["links"]["self"]})
    fp = idempotency.fingerprint(task=task_id, action=action, data=data, version=version,
                                 **({"return": "minimal"} if minimal else {}))
    status, payload, replayed = idempotency.once(
        site, clock, key=idempotency_key, person=user.login, fp=fp,
        run=lambda: jsonable_encoder(shape.model_validate(run())))
    headers = {"Idempotent-Replayed": "true" if replayed else "false"}
    if minimal and status == 200:
        headers["Location"] = payload["item"]["links"]["self"]
    return JSONResponse(payload, status_code=status, headers=headers)
