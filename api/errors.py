"""One error body everywhere, `{"error": {"code", "message", "details"}}`, in the caller's language.

Domain errors map to statuses by class; FastAPI's validation errors become 422 with `details.fields`;
a body that is not JSON at all (bad syntax, not UTF-8) is 400 `malformed_body`, and text that no database can
store (a lone UTF-16 surrogate such as "\\ud800") is 422 naming its field, both before any route runs; the
OpenAPI document says so on every operation that takes a JSON body. Unknown routes and methods keep their
status; anything unexpected is logged and answered 500 in the same shape (tests show that bad input never
gets there)."""
from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import lang_of, words
from engine.core.calendar import CalendarError
from engine.core.states import Conflict, DefinitionError, DubanError, InputError, NotAllowed, NotFound
from engine.runtime.directory import DirectoryDown

log = logging.getLogger("duban.api")
MALFORMED = ("请求体不是合法的 JSON", "the request body is not valid JSON")
SURROGATE = "a character that cannot be stored (a lone UTF-16 surrogate)"


class ApiError(DubanError):
    """An error of the HTTP layer itself, with its status and headers."""

    status = 400
    headers: dict[str, str] = {}

    @classmethod
    def of(cls, key: str, details: dict | None = None, **params: object) -> "ApiError":
        zh, en = words(key, **params)
        return cls(zh, en, details)


class Unauthorized(ApiError):
    code, status, headers = "unauthorized", 401, {"WWW-Authenticate": "Bearer"}


class TooManyAttempts(ApiError):
    code, status = "too_many_attempts", 429

    def __init__(self, retry_after: int):
        zh, en = words("too_many", minutes=max(1, math.ceil(retry_after / 60)))
        super().__init__(zh, en, {"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class PasswordChangeRequired(ApiError):
    """The person was given a password by an administrator and must choose their own first."""

    code, status = "password_change_required", 403


class BodyTooLarge(ApiError):
    """An upload or form larger than its stated limit (refused before it is read), or one without a length."""

    code, status = "body_too_large", 413

    @classmethod
    def over(cls, limit: int, length: int | None) -> "BodyTooLarge":
        mb = max(1, limit // 1024 // 1024)
        if length is None:
            e = cls("请求须注明 Content-Length", "the request must state its Content-Length", {"limit_bytes": limit})
            e.status = 411
            return e
        return cls(f"上传内容过大：最多 {mb} MB", f"the upload is too large: at most {mb} MB",
                   {"limit_bytes": limit, "length": length})


def body_length(headers) -> int | None:  # noqa: ANN001 - Starlette's Headers
    """The request's declared Content-Length, or None."""
    try:
        return int(headers["content-length"])
    except (KeyError, ValueError):
        return None


class SignInBusy(ApiError):
    """Every password-check slot is taken: the sign-in was not tried (and does not count against the account)."""

    code, status = "sign_in_busy", 503

    def __init__(self, retry_after: int = 1):
        zh, en = words("signin_busy", seconds=retry_after)
        super().__init__(zh, en, {"retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


class DrillModeOff(ApiError):
    code, status = "drill_mode_off", 404


class IdempotencyBusy(ApiError):
    code, status = "idempotency_in_progress", 409


class IdempotencyReused(ApiError):
    code, status = "idempotency_key_reused", 422


STATUS = [(InputError, 422), (DefinitionError, 422), (NotAllowed, 403), (NotFound, 404), (Conflict, 409),
          (DirectoryDown, 503)]


def status_of(exc: DubanError) -> int:
    if isinstance(exc, ApiError):
        return exc.status
    return next((s for cls, s in STATUS if isinstance(exc, cls)), 400)


def body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(exc: DubanError, lang: str) -> JSONResponse:
    details = dict(exc.details)
    if isinstance(exc, InputError):
        details.setdefault("fields", [exc.field])
    return JSONResponse(body(exc.code, exc.message(lang), details), status_code=status_of(exc),
                        headers=getattr(exc, "headers", None) or None)


async def on_duban_error(request: Request, exc: DubanError) -> JSONResponse:
    return error_response(exc, lang_of(request))


async def on_calendar_error(request: Request, exc: CalendarError) -> JSONResponse:
    return error_response(InputError("date", str(exc), str(exc)), lang_of(request))


def malformed_body(lang: str, where: str = "") -> JSONResponse:
    zh, en = MALFORMED
    msg = (f"{en}{': ' + where if where else ''}" if lang == "en" else f"{zh}（{en}{': ' + where if where else ''}）")
    return JSONResponse(body("malformed_body", msg, {"fields": ["body"]}), status_code=400)


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    bad_json = next((e for e in exc.errors() if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        return malformed_body(lang_of(request), str((bad_json.get("ctx") or {}).get("error", "")))
    problems = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path", "header", "form")]
        problems.append({"field": ".".join(loc) or e.get("loc", ("body",))[0], "message": e.get("msg", ""),
                         "type": e.get("type", "")})
    fields = list(dict.fromkeys(p["field"] for p in problems))
    zh, en = words("invalid_request")
    lang = lang_of(request)
    msg = f"{en}: {', '.join(fields)}" if lang == "en" else f"{zh}：{'、'.join(fields)}（{en}）"
    return JSONResponse(body("invalid_input", msg, {"fields": fields, "errors": problems}), status_code=422)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    key, code = {404: ("no_route", "not_found"), 405: ("method", "method_not_allowed"),
                 401: ("unauthorized", "unauthorized")}.get(exc.status_code, ("invalid_request", "http_error"))
    zh, en = words(key)
    lang = lang_of(request)
    msg = en if lang == "en" else f"{zh}（{en}）"
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):  # FastAPI could not decode the body
        return malformed_body(lang, "not UTF-8")
    if exc.status_code not in (401, 404, 405) and isinstance(exc.detail, str):
        msg = exc.detail
    return JSONResponse(body(code, msg), status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    zh, en = words("internal")
    lang = lang_of(request)
    return JSONResponse(body("internal", en if lang == "en" else f"{zh}（{en}）"), status_code=500)


def lone_surrogate(value: Any) -> tuple | None:
    """The path of the first string (or key) in a JSON value that holds a lone surrogate, else None.
    Iterative: a body nested as deep as the JSON parser allows is walked without recursion."""
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(v, dict):
            stack.extend(((*path, k), x) for k, x in reversed(list(v.items())))
            stack.extend((path, k) for k in reversed(list(v)) if isinstance(k, str))
        elif isinstance(v, list):
            stack.extend(((*path, i), x) for i, x in reversed(list(enumerate(v))))
    return None


async def storable_json(request: Request) -> None:
    """A request dependency: refuse a JSON body whose text no database can store (422 naming the field)."""
    if request.method not in ("POST", "PUT", "PATCH") or "json" not in request.headers.get("content-type", ""):
        return
    try:
        data = await request.json()
    except (ValueError, RecursionError):  # not JSON: the route's own body parsing answers (400) if it has a body
        return
    path = lone_surrogate(data)
    if path is not None:
        raise RequestValidationError([{"type": "string_unicode", "loc": ("body", *path), "msg": SURROGATE,
                                       "input": None}])


def document(app: FastAPI) -> None:
    """Say in the OpenAPI document what a JSON body that is malformed (400) or not storable (422) answers."""
    make = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = make()
        ref = {"$ref": "#/components/schemas/ErrorBody"}
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                content = (op.get("requestBody") or {}).get("content", {})
                responses = op.setdefault("responses", {})
                if content:
                    responses.setdefault("413", {"description": "the body is over DUBAN_MAX_BODY_KB (default 1024 "
                                                 "KB): `body_too_large`, naming the limit",
                                                 "content": {"application/json": {"schema": ref}}})
                if "application/json" not in content:
                    continue
                responses.setdefault("400", {"description": "the body is not JSON (bad syntax, or not UTF-8): "
                                             "`malformed_body`", "content": {"application/json": {"schema": ref}}})
                responses.setdefault("422", {"description": "bad input; `details.fields` names the fields",
                                             "content": {"application/json": {"schema": ref}}})
        return schema  # ErrorBody is in the components: every router declares its error responses

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Every error handler, the storable-text check on JSON bodies (for routes added after this call) and
    the OpenAPI words for both."""
    app.router.dependencies.append(Depends(storable_json))
    document(app)
    app.add_exception_handler(DubanError, on_duban_error)
    app.add_exception_handler(CalendarError, on_calendar_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
