"""Sign-in and sign-out on the pages (the API's accounts, password hashes and rate limit), and the language
switch."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from api import auth
from api.deps import client_address
from api.errors import ApiError, status_of
from api.pages.render import page
from api.pages.session import (
    LANG_COOKIE, LANGS, SESSION_COOKIE, checked_login_form, end_session, keep_login_token, local_path, login_token,
    page_lang,
    secure_cookies, session_user, start_session,
)
from api.pages.base import Form, SiteDep, router
from api.pages.words import Translator
from engine.runtime.directory import DirectoryDown
from engine.runtime.site import Site

LoginForm = Annotated[FormData, Depends(checked_login_form)]


@router.get("/login")
def login_page(request: Request, site: SiteDep, next: str = "/tasks"):  # noqa: A002 - the query's name
    if session_user(request, site) is not None:
        return RedirectResponse(local_path(next, "/tasks"), status_code=303)
    return _form(request, site, local_path(next, "/tasks"), "", None, 200)


def _form(request: Request, site: Site, next_url: str, login: str, error: str | None, status: int):
    token = login_token(request)
    response = page(request, site, "login.html", user=None, status=status,
                    title=Translator(page_lang(request))("sign_in"), next_url=next_url, login=login, error=error,
                    login_csrf=token)
    keep_login_token(response, request, token)
    return response


@router.post("/login")
def login(request: Request, site: SiteDep, form: LoginForm):
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    next_url = local_path(str(form.get("next", "")), "/tasks")
    try:
        issued = auth.sign_in(site, request.app.state.auth_clock, username, password, client_address(request))
    except (ApiError, DirectoryDown) as e:  # DirectoryDown: directory sign-in configured but unreachable (503)
        lang = page_lang(request)
        return _form(request, site, next_url, username, e.en if lang == "en" else e.zh, status_of(e))
    response = RedirectResponse(next_url, status_code=303)
    start_session(response, request, issued.token, issued.expires_at)
    return response


@router.post("/logout")
def logout(request: Request, site: SiteDep, form: Form):
    token = request.cookies.get(SESSION_COOKIE, "")
    if token:
        auth.sign_out(site, request.app.state.auth_clock, token)
    response = RedirectResponse("/login", status_code=303)
    end_session(response)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/"):  # noqa: A002
    response = RedirectResponse(local_path(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, path="/", httponly=True, samesite="lax",
                            secure=secure_cookies(request))
    return response
