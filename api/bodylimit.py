"""The request-body bound: an ASGI middleware that answers 413 in the error shape to any body over
DUBAN_MAX_BODY_KB (default 1024), JSON, form or multipart alike. It refuses a declared Content-Length over the
limit before reading anything, and counts the bytes actually streamed, so that a lying or missing Content-Length
(chunked transfer) gets no further: the read that crosses the limit stops the route, and whatever the route
would have answered is replaced by the 413."""
from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.errors import body
from api.i18n import lang_of, words
from engine.settings import settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised into the route by the counting `receive` when the streamed body crosses the limit."""


# Uploads that may be larger than DUBAN_MAX_BODY_KB: (path pattern, their own limit in bytes, asked per request)
LARGER: list[tuple[re.Pattern[str], Callable[[], int]]] = []


def allow_larger(pattern: str, limit: Callable[[], int]) -> None:
    """Let the paths matching `pattern` (a whole-path regular expression) carry bodies up to `limit()` bytes: an
    upload route's own bound (a staff spreadsheet, an attachment), still counted here byte by byte."""
    LARGER.append((re.compile(pattern), limit))


def limit_bytes(path: str = "") -> int:
    """The largest body this path takes: DUBAN_MAX_BODY_KB, or an upload route's own larger bound."""
    base = settings().max_body_kb * 1024
    return max([base] + [limit() for pattern, limit in LARGER if pattern.fullmatch(path)])


def too_large(scope: Scope, limit: int) -> JSONResponse:
    """413 `body_too_large`, naming the limit, in the caller's language."""
    kb = limit // 1024
    zh, en = words("body_too_large", kb=kb)
    lang = lang_of(Request(scope))
    message = en if lang == "en" else f"{zh}（{en}）"
    return JSONResponse(body("body_too_large", message, {"fields": ["body"], "max_kb": kb}), status_code=413,
                        headers={"Connection": "close"})


class BodyLimit:
    """ASGI middleware: see the module docstring."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_bytes(scope.get("path", ""))
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await too_large(scope, limit)(scope, receive, send)
            return
        seen, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge(f"request body over {limit} bytes")
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # the route's own answer to the interrupted read: the 413 goes instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            pass
        if over and not started:
            await too_large(scope, limit)(scope, receive, send)
