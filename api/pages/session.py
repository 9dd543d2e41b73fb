"""Page sessions and form protection.

Signing in on the page issues the same kind of token as `POST /api/v1/auth/token` (random, stored as its
sha256 in AccessToken, with an expiry, revoked on sign-out, same rate limit) and keeps it in an HttpOnly,
SameSite=Lax cookie (Secure on https). Every form that changes something carries a CSRF token, an HMAC of the
session token that another site can neither read nor compute; the sign-in form uses a double-submit cookie.
A POST whose Origin names another host is refused as well."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.datastructures import FormData

from api import auth
from api.errors import BodyTooLarge, body_length
from api.i18n import lang_of
from engine.core.model import Actor
from engine.runtime.site import Site
from engine.core.states import NotFound
from engine.settings import settings

SESSION_COOKIE = "duban_session"
LOGIN_COOKIE = "duban_login"
LANG_COOKIE = "duban_lang"
LANGS = ("zh", "en")


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str):
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeFirst(Exception):
    """The person must change a password an administrator set: every page but /password sends them there."""


class CsrfFailed(Exception):
    """A form without the right CSRF token, or from another origin."""


@dataclass(frozen=True)
class PageUser:
    login: str
    token: str
    actor: Actor

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def secure_cookies(request: Request) -> bool:
    return request.url.scheme == "https" or settings().cookie_secure


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode("utf-8", "surrogatepass"), b"duban-csrf-v1", hashlib.sha256).hexdigest()


def page_lang(request: Request) -> str:
    """The page language: the switch's cookie, else Accept-Language (Chinese by default)."""
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGS else lang_of(request)


def local_path(url: str | None, default: str = "/") -> str:
    """`url` if it is a path on this site (no scheme, no host), else `default`: no open redirects."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    return default if parts.scheme or parts.netloc else url


def current(request: Request) -> str:
    q = request.url.query
    return request.url.path + (f"?{q}" if q else "")


def session_user(request: Request, site: Site) -> PageUser | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    login = auth.login_for(site, request.app.state.auth_clock, token)
    if login is None:
        return None
    try:
        user = PageUser(login, token, site.actor(login))
    except NotFound:  # the person left the organisation
        return None
    request.state.login = login  # for the access log line (api/access_log.py)
    return user


def require_user(request: Request, site: Site) -> PageUser:
    user = session_user(request, site)
    if user is None:
        raise SignInRequired(current(request) if request.method == "GET" else "/")
    if site.must_change_password(user.login):
        raise PasswordChangeFirst()
    return user


def start_session(response: Response, request: Request, token: str, expires_at: datetime) -> None:
    max_age = max(60, int((expires_at - request.app.state.auth_clock.now()).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=secure_cookies(request))
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_token(request: Request) -> str:
    """The sign-in form's token: the browser's, or a new one (set with `keep_login_token`)."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    return token if 20 <= len(token) <= 64 else secrets.token_urlsafe(24)


def keep_login_token(response: Response, request: Request, token: str) -> None:
    """Double submit: the same token in an HttpOnly cookie that a foreign page can neither read nor set."""
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/", httponly=True, samesite="strict",
                        secure=secure_cookies(request))


def same_origin(request: Request) -> bool:
    """No Origin (an old browser) or this site's: the Host, or the host a reverse proxy says it forwarded
    (a cross-site form cannot set that header; the CSRF token is checked as well)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    hosts = {request.headers.get("host", "").lower(),
             request.headers.get("x-forwarded-host", "").split(",")[0].strip().lower()} - {""}
    return urlsplit(origin).netloc.lower() in hosts


MAX_FORM_BYTES = 6 * 1024 * 1024  # the largest page form: a staff spreadsheet of 5 MB and its envelope


async def checked_form(request: Request) -> FormData:
    """The posted form of a signed-in page, once its origin and CSRF token are checked (CsrfFailed otherwise).
    A form declared larger than MAX_FORM_BYTES is refused before it is read (413)."""
    length = body_length(request.headers)
    if length is not None and length > MAX_FORM_BYTES:
        raise BodyTooLarge.over(MAX_FORM_BYTES, length)
    form = await request.form(max_files=2)
    session = request.cookies.get(SESSION_COOKIE)
    if not session:
        raise SignInRequired("/")
    _check(request, str(form.get("csrf", "")), csrf_token(session))
    return form


def check_script_post(request: Request) -> None:
    """A page script's POST (a file upload): same origin, and the session's CSRF token in `X-CSRF-Token`."""
    _check(request, request.headers.get("x-csrf-token", ""), csrf_token(request.cookies.get(SESSION_COOKIE, "")))


async def checked_login_form(request: Request) -> FormData:
    """The sign-in form, checked against its double-submit cookie."""
    form = await request.form()
    _check(request, str(form.get("csrf", "")), request.cookies.get(LOGIN_COOKIE) or "")
    return form


def _check(request: Request, sent: str, expected: str) -> None:
    if not same_origin(request):
        raise CsrfFailed("origin")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfFailed("token")
