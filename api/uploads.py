"""Receiving and sending attachments over HTTP, for the API and the pages alike: a multipart upload streamed to a
temporary file with its size counted and its sha256 taken (never read into memory whole; refused with 413 as soon as
it passes the limit), and the download headers (RFC 5987 file names, inline for PDFs and images)."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from fastapi import Request
from python_multipart.multipart import MultipartParser, parse_options_header

from api import bodylimit
from api.errors import BodyTooLarge, body_length
from engine.core.states import InputError
from engine.runtime import attachments as service
from engine.runtime.filestore import CHUNK
from engine.settings import settings

# the routes that stream and count their own body (up to DUBAN_MAX_UPLOAD_MB): a request-body limit leaves them be
UPLOAD_PATHS = re.compile(r"^/(?:api/v1/(?:instances/\d{1,10}/)?attachments|ui/(?:(?:tasks|items)/\d{1,10}/)?files)$")


def is_upload(method: str, path: str) -> bool:
    """An upload route (POST to one of UPLOAD_PATHS), which limits its own body by DUBAN_MAX_UPLOAD_MB."""
    return method == "POST" and UPLOAD_PATHS.match(path) is not None


MULTIPART_SLACK = 64 * 1024  # room for the multipart headers and the note around the file
MAX_FIELD = 4 * 1024         # a form field other than the file (the note) is at most this many bytes
DRAIN = 16 * 1024 * 1024     # past the limit, this much more is read (and dropped) so the client hears the 413
INLINE = ("application/pdf", "image/")
# the request-body bound (api.bodylimit, DUBAN_MAX_BODY_KB) leaves these routes their own, larger one: they refuse
# past DUBAN_MAX_UPLOAD_MB in their own words; the middleware still stops a body that goes on past the drain
bodylimit.allow_larger(UPLOAD_PATHS.pattern.strip("^$"),
                       lambda: settings().max_upload_mb * 1024 * 1024 + MULTIPART_SLACK + DRAIN)


class _Form:
    """Callbacks of the streaming multipart parser: the `file` part goes to a file (hashed, counted), small
    fields (`note`) are kept, anything else is dropped."""

    def __init__(self, path: Path, limit: int) -> None:
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


async def receive(request: Request, path: Path, limit: int) -> tuple[service.Received, str, str | None]:
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



def content_disposition(name: str, content_type: str) -> str:
    """`inline` for PDFs and images, `attachment` otherwise; an ASCII fallback name and the exact name in
    RFC 5987 `filename*=UTF-8''...` (Chinese names arrive intact)."""
    kind = "inline" if content_type.startswith(INLINE) else "attachment"
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def chunks(stream) -> Iterator[bytes]:  # noqa: ANN001 - a file or a botocore body
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


SHEET_ENVELOPE = 64 * 1024  # multipart boundaries and headers around a spreadsheet


async def sheet(request: Request, max_bytes: int) -> tuple[bytes, str]:
    """A spreadsheet sent as the multipart field `file` (the staff import, a supervision list): its bytes (at most
    `max_bytes` + 1, so the reader can say it is too large) and its file name. The declared length is checked
    before the body is read."""
    from starlette.datastructures import UploadFile

    length = body_length(request.headers)
    if length is None or length > max_bytes + SHEET_ENVELOPE:
        raise BodyTooLarge.over(max_bytes, length)
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("file", "请上传 XLSX 或 CSV 文件（字段名 file）", "upload an XLSX or CSV file as `file`")
    return await upload.read(max_bytes + 1), upload.filename or "upload"

