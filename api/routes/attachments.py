"""Attachments (附件): upload a file to an item (multipart, streamed to a temporary file and counted, never read
into memory whole; refused past DUBAN_MAX_UPLOAD_MB), list an item's files, download one (its content type, an
RFC 5987 file name, inline for PDFs and images), remove one with a reason. Reading a file is seeing its item."""
from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Iterator
from urllib.parse import quote

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import StreamingResponse
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentUser, ItemId, SiteDep
from api.errors import BodyTooLarge, body_length
from api.routes import ERRORS
from api.schemas.attachments import AttachmentPublic, AttachmentRemove, AttachmentRemoved
from engine.core.states import InputError
from engine.runtime import attachments as service
from engine.runtime.filestore import CHUNK

router = APIRouter(tags=["attachments"], responses=ERRORS)
MAX_ID = 2**31 - 1
AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="attachment id")]
MULTIPART_SLACK = 64 * 1024  # room for the multipart headers and the note around the file
MAX_FIELD = 4 * 1024         # a form field other than the file (the note) is at most this many bytes
DRAIN = 16 * 1024 * 1024     # past the limit, this much more is read (and dropped) so the client hears the 413
INLINE = ("application/pdf", "image/")


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary",
                              "description": "one file, at most DUBAN_MAX_UPLOAD_MB (default 50 MB); PDF, OFD, "
                                             "images, Word/Excel/PowerPoint, WPS, plain text or ZIP, judged by "
                                             "content"},
                     "note": {"type": "string", "maxLength": service.MAX_NOTE}}}}}}}


class _Form:
    """Callbacks of the streaming multipart parser: the `file` part goes to a file (hashed, counted), small
    fields (`note`) are kept, anything else is dropped."""

    def __init__(self, path: FilePath, limit: int) -> None:
        self.path, self.limit = path, limit
        self.out = open(path, "wb")
        self.sha, self.size, self.over, self.files = hashlib.sha256(), 0, False, 0
        self.fields: dict[str, str] = {}
        self.name: str | None = None
        self.filename: str | None = None
        self._hf, self._hv, self._buf = b"", b"", bytearray()

    def callbacks(self) -> dict:
        return {"on_part_begin": self.begin, "on_header_field": self.hfield, "on_header_value": self.hvalue,
                "on_header_end": self.hend, "on_part_data": self.data, "on_part_end": self.end}

    def begin(self) -> None:
        self.name, self.filename, self._buf = None, None, bytearray()

    def hfield(self, data: bytes, start: int, end: int) -> None:
        self._hf += data[start:end]

    def hvalue(self, data: bytes, start: int, end: int) -> None:
        self._hv += data[start:end]

    def hend(self) -> None:
        field, value = self._hf.lower(), self._hv
        self._hf, self._hv = b"", b""
        if field == b"content-disposition":
            _, opts = parse_options_header(value)
            self.name = opts.get(b"name", b"").decode("utf-8", "replace")
            fn = opts.get(b"filename")
            self.filename = fn.decode("utf-8", "replace") if fn is not None else None

    def data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.name == "file" and self.files == 0:
            self.size += len(chunk)
            if self.size > self.limit:
                self.over = True
                return
            self.sha.update(chunk)
            self.out.write(chunk)
        elif self.name and len(self._buf) < MAX_FIELD:
            self._buf += chunk[:MAX_FIELD - len(self._buf)]

    def end(self) -> None:
        if self.name == "file":
            self.files += 1
        elif self.name:
            self.fields[self.name] = bytes(self._buf).decode("utf-8", "replace")


async def _receive(request: Request, path: FilePath, limit: int) -> tuple[service.Received, str, str | None]:
    """Stream the multipart body to `path`, counting; BodyTooLarge as soon as the file passes `limit`."""
    length = body_length(request.headers)
    if length is not None and length > limit + MULTIPART_SLACK:
        raise BodyTooLarge.over(limit, length)
    ctype, opts = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not opts.get(b"boundary"):
        raise InputError("file", "请以 multipart/form-data 上传文件（字段名 file）",
                         "send the file as multipart/form-data (field `file`)")
    form = _Form(path, limit)
    parser = MultipartParser(opts[b"boundary"], form.callbacks())
    read = 0
    try:
        async for chunk in request.stream():
            read += len(chunk)
            if form.over or read > limit + MULTIPART_SLACK:
                if read > limit + MULTIPART_SLACK + DRAIN:
                    break
                form.over = True
                continue  # drained, not parsed, not kept
            parser.write(chunk)
    finally:
        form.out.close()
    if form.over:
        raise BodyTooLarge.over(limit, read)
    if form.files == 0 or form.filename is None:
        raise InputError("file", "没有收到文件（字段名 file）", "no file received (field `file`)")
    return service.Received(path, form.size, form.sha.hexdigest()), form.filename, form.fields.get("note")


@router.post("/instances/{item_id}/attachments", response_model=AttachmentPublic, status_code=201,
             responses={413: {**ERRORS[422], "description": "the file is larger than DUBAN_MAX_UPLOAD_MB (50 MB)"}},
             openapi_extra=UPLOAD_BODY)
async def upload(item_id: ItemId, request: Request, user: CurrentUser, site: SiteDep):
    """Add a file to an item the caller takes part in (or, as a leader, clerk or office director, sees). The file
    is judged by its content; an empty file or one of another kind is refused (422), one over the limit too (413),
    and nothing is stored. Its id may then be sent with an action (`attachments: [id]`)."""
    await run_in_threadpool(service.check_may_upload, site, item_id, user.login)
    with tempfile.TemporaryDirectory(prefix="duban-upload-") as tmp:
        got, name, note = await _receive(request, FilePath(tmp) / "upload", service.max_bytes())
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
        got, name, note = await _receive(request, FilePath(tmp) / "upload", service.max_bytes())
        return await run_in_threadpool(service.accept, site, instance_id=None, login=user.login, name=name,
                                       note=note, got=got)


@router.get("/instances/{item_id}/attachments", response_model=list[AttachmentPublic])
def list_attachments(item_id: ItemId, user: CurrentUser, site: SiteDep):
    """The files of an item the caller sees (removed ones are not listed; the audit trail keeps them)."""
    return service.of_item(site, item_id, user.login)


def content_disposition(name: str, content_type: str) -> str:
    """`inline` for PDFs and images, `attachment` otherwise; an ASCII fallback name and the exact name in
    RFC 5987 `filename*=UTF-8''...` (Chinese names arrive intact)."""
    kind = "inline" if content_type.startswith(INLINE) else "attachment"
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _chunks(stream) -> Iterator[bytes]:  # noqa: ANN001 - a file or a botocore body
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


@router.get("/attachments/{attachment_id}/content", response_class=StreamingResponse,
            responses={200: {"description": "the file's bytes", "content": {"application/octet-stream": {}}}})
def download(attachment_id: AttachmentId, user: CurrentUser, site: SiteDep):
    """The file's bytes, for whoever sees its item (404 for anyone else, as if it did not exist)."""
    row, stream = service.open_for(site, attachment_id, user.login)
    return StreamingResponse(_chunks(stream), media_type=row["content_type"], headers={
        "Content-Disposition": content_disposition(row["name"], row["content_type"]),
        "Content-Length": str(row["size"]), "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})


@router.delete("/attachments/{attachment_id}", response_model=AttachmentRemoved)
def remove(attachment_id: AttachmentId, body: Annotated[AttachmentRemove, Body()], user: CurrentUser, site: SiteDep):
    """Remove (hide) a file, with a reason: its uploader or the office may. The record and the bytes stay, and
    the audit trail says who removed it and why."""
    return service.remove(site, attachment_id, user.login, body.reason)
