"""Attachments (附件): upload a file to an item (multipart, streamed to a temporary file and counted, never read
into memory whole; refused past DUBAN_MAX_UPLOAD_MB), list an item's files, download one (its content type, an
RFC 5987 file name, inline for PDFs and images), remove one with a reason. Reading a file is seeing its item."""
from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import uploads
from api.deps import CurrentUser, ItemId, SiteDep
from api.routes import ERRORS
from api.schemas.attachments import AttachmentPublic, AttachmentRemove, AttachmentRemoved
from engine.runtime import attachments as service

router = APIRouter(tags=["attachments"], responses=ERRORS)
MAX_ID = 2**31 - 1
AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="attachment id")]
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary",
                              "description": "one file, at most DUBAN_MAX_UPLOAD_MB (default 50 MB); PDF, OFD, "
                                             "images, Word/Excel/PowerPoint, WPS, plain text or ZIP, judged by "
                                             "content"},
                     "note": {"type": "string", "maxLength": service.MAX_NOTE}}}}}}}


@router.post("/instances/{item_id}/attachments", response_model=AttachmentPublic, status_code=201,
             responses={413: {**ERRORS[422], "description": "the file is larger than DUBAN_MAX_UPLOAD_MB (50 MB)"}},
             openapi_extra=UPLOAD_BODY)
async def upload(item_id: ItemId, request: Request, user: CurrentUser, site: SiteDep):
    """Add a file to an item the caller takes part in (or, as a leader, clerk or office director, sees). The file
    is judged by its content; an empty file or one of another kind is refused (422), one over the limit too (413),
    and nothing is stored. Its id may then be sent with an action (`attachments: [id]`)."""
    await run_in_threadpool(service.check_may_upload, site, item_id, user.login)
    with tempfile.TemporaryDirectory(prefix="duban-upload-") as tmp:
        got, name, note = await uploads.receive(request, FilePath(tmp) / "upload", service.max_bytes())
        return await run_in_threadpool(service.accept, site, instance_id=item_id, login=user.login, name=name,
                                       note=note, got=got)


@router.post("/attachments", response_model=AttachmentPublic, status_code=201,
             responses={413: {**ERRORS[422], "description": "the file is larger than DUBAN_MAX_UPLOAD_MB (50 MB)"}},
             openapi_extra=UPLOAD_BODY)
async def upload_for_registration(request: Request, user: CurrentUser, site: SiteDep):
    """Upload a file for an item about to be registered (a scanned 来文): send its id in `attachments` when
    starting the item (POST /instances), which joins it to the item. Same checks and limits as an item's upload;
    until then only its uploader may use it, and nobody may download it."""
    await run_in_threadpool(service.check_may_register, site, user.login)
    with tempfile.TemporaryDirectory(prefix="duban-upload-") as tmp:
        got, name, note = await uploads.receive(request, FilePath(tmp) / "upload", service.max_bytes())
        return await run_in_threadpool(service.accept, site, instance_id=None, login=user.login, name=name,
                                       note=note, got=got)


@router.get("/instances/{item_id}/attachments", response_model=list[AttachmentPublic])
def list_attachments(item_id: ItemId, user: CurrentUser, site: SiteDep):
    """The files of an item the caller sees (removed ones are not listed; the audit trail keeps them)."""
    return service.of_item(site, item_id, user.login)


@router.get("/attachments/{attachment_id}/content", response_class=StreamingResponse,
            responses={200: {"description": "the file's bytes", "content": {"application/octet-stream": {}}}})
def download(attachment_id: AttachmentId, user: CurrentUser, site: SiteDep):
    """The file's bytes, for whoever sees its item (404 for anyone else, as if it did not exist)."""
    row, stream = service.open_for(site, attachment_id, user.login)
    return StreamingResponse(uploads.chunks(stream), media_type=row["content_type"], headers={
        "Content-Disposition": uploads.content_disposition(row["name"], row["content_type"]),
        "Content-Length": str(row["size"]), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@router.delete("/attachments/{attachment_id}", response_model=AttachmentRemoved)
def remove(attachment_id: AttachmentId, body: Annotated[AttachmentRemove, Body()], user: CurrentUser, site: SiteDep):
    """Remove (hide) a file, with a reason: its uploader or the office may. The record and the bytes stay, and
    the audit trail says who removed it and why."""
    return service.remove(site, attachment_id, user.login, body.reason)
