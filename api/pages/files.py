"""The pages' files (附件): uploads sent by the page's script one file at a time (XMLHttpRequest, so a progress bar
works in DingTalk's and WeCom's browsers too) with the page's CSRF token in `X-CSRF-Token`, answering JSON; the
download of a file for a signed-in page; and removing a file with a reason from the item page."""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import uploads
from api.deps import ItemId, TaskId
from api.errors import error_response
from api.pages.base import Form, SiteDep, router
from api.pages.render import flash
from api.pages.session import check_script_post, page_lang, require_user
from api.routes.attachments import AttachmentId
from engine.core.states import DubanError, InputError
from engine.runtime import attachments as service
from engine.runtime.site import Site


async def _upload(request: Request, site: Site, instance_id: int | None) -> JSONResponse:
    user = require_user(request, site)
    check_script_post(request)
    try:
        if instance_id is None:
            await run_in_threadpool(service.check_may_register, site, user.login)
        else:
            await run_in_threadpool(service.check_may_upload, site, instance_id, user.login)
        with tempfile.TemporaryDirectory(prefix="duban-upload-") as tmp:
            got, name, note = await uploads.receive(request, Path(tmp) / "upload", service.max_bytes())
            row = await run_in_threadpool(service.accept, site, instance_id=instance_id, login=user.login,
                                          name=name, note=note, got=got)
    except DubanError as e:
        return error_response(e, page_lang(request))
    return JSONResponse({"id": row["id"], "name": row["name"], "size": row["size"]}, status_code=201)


@router.post("/ui/tasks/{task_id}/files")
async def upload_for_task(request: Request, site: SiteDep, task_id: TaskId):
    """A file for an action on a task (its item's): the action form sends the ids it gets back."""
    try:
        instance_id = await run_in_threadpool(service.item_of_task, site, task_id)
    except DubanError as e:
        return error_response(e, page_lang(request))
    return await _upload(request, site, instance_id)


@router.post("/ui/items/{item_id}/files")
async def upload_for_item(request: Request, site: SiteDep, item_id: ItemId):
    return await _upload(request, site, item_id)


@router.post("/ui/files")
async def upload_for_registration(request: Request, site: SiteDep):
    """A file for the registration form (joined to the item it starts)."""
    return await _upload(request, site, None)


@router.get("/files/{attachment_id}")
def download(request: Request, site: SiteDep, attachment_id: AttachmentId):
    user = require_user(request, site)
    row, stream = service.open_for(site, attachment_id, user.login)  # NotFound: the error page's 404
    return StreamingResponse(uploads.chunks(stream), media_type=row["content_type"], headers={
        "Content-Disposition": uploads.content_disposition(row["name"], row["content_type"]),
        "Content-Length": str(row["size"]), "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@router.post("/files/{attachment_id}/remove")
def remove(request: Request, site: SiteDep, attachment_id: AttachmentId, form: Form):
    user = require_user(request, site)
    reason = str(form.get("reason", ""))
    back = str(form.get("item", ""))
    try:
        row = service.remove(site, attachment_id, user.login, reason)
    except InputError:
        target = f"/items/{back}#files" if back.isdigit() else "/tasks"
        return flash(RedirectResponse(target, status_code=303), "file_reason_needed")
    return flash(RedirectResponse(f"/items/{row['instance_id']}#files", status_code=303), "file_removed")
