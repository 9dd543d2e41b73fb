"""Sign-in for a bearer token (OAuth2 password form) and sign-out (revokes the caller's token)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordRequestForm

from api import auth
from api.errors import SignInBusy
from api.deps import AuthClockDep, ClientDep, CurrentUser, SiteDep
from api.routes import ERRORS
from api.schemas.common import ErrorBody
from api.schemas.me import LogoutPublic, TokenPublic

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenPublic,
             responses={401: ERRORS[401], 422: ERRORS[422],
                        429: {"model": ErrorBody, "description": "too many failed sign-ins; see Retry-After"},
                        503: {"model": ErrorBody, "description": "too many sign-ins at once (see Retry-After), or directory sign-in (LDAP) is "
                                                                 "configured and the directory cannot be reached; local accounts work"}})
async def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()], site: SiteDep, clock: AuthClockDep,
                      client: ClientDep):
    """Sign in with login and password; 5 failures in 15 minutes from one client address lock that login for
    that address for a while (429); when the server is busy checking other passwords, 503 (retry later)."""
    if auth.hash_slots().full():  # a burst is answered here, in the event loop: it takes no worker thread
        raise SignInBusy(auth.BUSY_RETRY_SECONDS)
    issued = await run_in_threadpool(auth.sign_in, site, clock, form.username, form.password, client)
    return {"access_token": issued.token, "token_type": "bearer", "expires_at": issued.expires_at}


@router.post("/logout", response_model=LogoutPublic, responses={401: ERRORS[401]})
def logout(user: CurrentUser, site: SiteDep, clock: AuthClockDep):
    """Revoke the token this request was signed with."""
    return {"revoked": auth.sign_out(site, clock, user.token)}
