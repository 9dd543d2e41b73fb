"""The web pages under `/`: server-rendered Jinja2 templates, a little vanilla JavaScript, inline SVG charts and
diagrams, every asset served from /static by Duban itself. `install(app)` adds them to the API's app."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from api.errors import status_of
from api.pages import (admin, appraise, files, import_list, issue, leave, manifest, messages, paper, people,  # noqa: F401
                       search, signin, supervise, work)  # each adds its routes
from api.pages.render import page
from api.pages.session import CsrfFailed, PasswordChangeFirst, SignInRequired, page_lang, session_user
from api.pages.words import Translator
from engine.core.states import DubanError

STATIC = Path(__file__).resolve().parent / "static"


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/static/"))


async def error_page(request: Request, status: int, message: str) -> Response:
    site = request.app.state.site

    def render() -> Response:
        t = Translator(page_lang(request))
        try:
            user = session_user(request, site)
        except Exception:  # noqa: BLE001 - an error page must render even when the database does not answer
            user = None
        return page(request, site, "error.html", user=user, status=status, title=t("error_title"),
                    status_code=status, message=message)

    return await run_in_threadpool(render)


def install(app: FastAPI) -> None:
    """Serve the pages and their assets; errors on page paths become pages, API paths keep the JSON shape."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(work.router)
    api_duban = app.exception_handlers[DubanError]
    api_http = app.exception_handlers[StarletteHTTPException]
    api_invalid = app.exception_handlers[RequestValidationError]

    async def on_sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)

    async def on_password_first(request: Request, exc: PasswordChangeFirst) -> Response:
        return RedirectResponse("/password", status_code=303)

    async def on_csrf(request: Request, exc: CsrfFailed) -> Response:
        return await error_page(request, 403, Translator(page_lang(request))("csrf_failed"))

    async def on_duban(request: Request, exc: DubanError) -> Response:
        if not is_page(request):
            return await api_duban(request, exc)
        lang = page_lang(request)
        return await error_page(request, status_of(exc), exc.en if lang == "en" else exc.zh)

    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_page(request) or exc.status_code not in (404, 405):
            return await api_http(request, exc)
        t = Translator(page_lang(request))
        return await error_page(request, exc.status_code, t("not_found" if exc.status_code == 404 else "bad_method"))

    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        if not is_page(request):
            return await api_invalid(request, exc)
        return await error_page(request, 404, Translator(page_lang(request))("not_found"))

    app.add_exception_handler(SignInRequired, on_sign_in)
    app.add_exception_handler(PasswordChangeFirst, on_password_first)
    app.add_exception_handler(CsrfFailed, on_csrf)
    app.add_exception_handler(DubanError, on_duban)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)
