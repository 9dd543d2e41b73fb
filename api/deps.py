"""Request dependencies as `Annotated` aliases: the site, the auth clock, the caller's language, the signed-in
user (from the bearer token), and path/query parameter types bounded so that no input can overflow the store."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import OAuth2PasswordBearer

from api import auth
from api.errors import PasswordChangeRequired, Unauthorized
from api.i18n import lang_of
from engine.clock import Clock
from engine.core.model import Actor
from engine.runtime.site import Site
from engine.core.states import NotFound

MAX_ID = 2_147_483_647  # ids are 32-bit integers on PostgreSQL
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


# Dependencies that do no I/O are `async def`: FastAPI would otherwise hop to a worker thread for each.
async def get_site(request: Request) -> Site:
    return request.app.state.site


async def get_auth_clock(request: Request) -> Clock:
    return request.app.state.auth_clock


async def get_lang(request: Request) -> str:
    return lang_of(request)


SiteDep = Annotated[Site, Depends(get_site)]
AuthClockDep = Annotated[Clock, Depends(get_auth_clock)]
LangDep = Annotated[str, Depends(get_lang)]


@dataclass(frozen=True)
class User:
    """The signed-in person of a request."""

    login: str
    token: str
    actor: Actor

    @property
    def roles(self) -> frozenset[str]:
        return self.actor.roles


# what a person who must change their password may still call
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/me", "/api/v1/me/password", "/api/v1/auth/logout"})


def current_user(request: Request, site: SiteDep, clock: AuthClockDep,
                 token: Annotated[str | None, Depends(oauth2)]) -> User:
    """The signed-in person; 403 password_change_required for every other call until a password set by an
    administrator has been changed."""
    if not token:
        raise Unauthorized.of("unauthorized")
    login = auth.login_for(site, clock, token)
    if login is None:
        raise Unauthorized.of("bad_token")
    try:
        actor = site.actor(login)
    except NotFound:  # the person left the organisation
        raise Unauthorized.of("bad_token") from None
    request.state.login = login  # for the access log line (api/access_log.py)
    if site.must_change_password(login) and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired.of("password_change_required")
    return User(login, token, actor)


CurrentUser = Annotated[User, Depends(current_user)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="item (instance) id")]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="task id")]
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="notification id")]
CycleId = Annotated[int, Path(ge=1, le=MAX_ID, description="appraisal cycle id")]
