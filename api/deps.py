"""Request dependencies as `Annotated` aliases: the site, the auth clock, the caller's language, the signed-in
user (from the bearer token), the client's address (X-Forwarded-For only from DUBAN_TRUSTED_PROXIES), and
path/query parameter types bounded so that no input can overflow the store."""
from __future__ import annotations

import ipaddress
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
from engine.settings import settings

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


def trusted_proxies(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """DUBAN_TRUSTED_PROXIES as networks ("10.0.0.1, 10.1.0.0/16"); a word that is no address is ignored."""
    nets = []
    for word in (w.strip() for w in text.split(",")):
        try:
            nets.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            continue
    return tuple(nets)


def _trusted(host: str, nets: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request: Request) -> str:
    """The address the request came from: the peer, or, when the peer is a proxy named in DUBAN_TRUSTED_PROXIES,
    the nearest address in X-Forwarded-For that is not itself a trusted proxy (walking from the right, since a
    client may write anything on the left). Without trusted proxies the header is ignored."""
    peer = request.client.host if request.client else ""
    nets = trusted_proxies(settings().trusted_proxies)
    if not nets or not _trusted(peer, nets):
        return peer[:64]
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, nets):
            return hop[:64]
    return (hops[0] if hops else peer)[:64]


async def get_client_address(request: Request) -> str:
    return client_address(request)


ClientDep = Annotated[str, Depends(get_client_address)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="item (instance) id")]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="task id")]
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="notification id")]
CycleId = Annotated[int, Path(ge=1, le=MAX_ID, description="appraisal cycle id")]
