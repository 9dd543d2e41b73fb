"""The signed-in person: who they are, the tasks in front of them, and how they want their messages."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS, PAGED, MAX_PER_PAGE, PageNo, PerPage, set_page_headers
from api.schemas.me import MePublic, PreferencesIn, PreferencesPublic
from api.schemas.tasks import TaskPublic
from engine.reads import items as queries
from engine.runtime import preferences as prefs

router = APIRouter(prefix="/me", tags=["me"], responses={401: ERRORS[401]})


@router.get("", response_model=MePublic)
def me(user: CurrentUser, site: SiteDep):
    """Person, unit and roles (with Chinese and English labels), and what they may start."""
    return views.profile(site, user.actor)


@router.get("/tasks", response_model=list[TaskPublic], responses={200: PAGED, 422: ERRORS[422]})
def my_tasks(user: CurrentUser, site: SiteDep, lang: LangDep, request: Request, response: Response,
             state: Literal["open", "overdue", "done"] = "open", page: PageNo = 1, per_page: PerPage = MAX_PER_PAGE):
    """The caller's tasks (a unit head also sees the unit's), each with the actions the caller may take; soonest
    due first, `per_page` a page, the total in `X-Total-Count` and the other pages in `Link`."""
    total = queries.count_my_tasks(site, user.login, state)
    set_page_headers(response, request, page=page, per_page=per_page, total=total)
    return queries.my_tasks(site, user.login, state, lang, limit=per_page, offset=(page - 1) * per_page)


@router.get("/preferences", response_model=PreferencesPublic)
def my_preferences(user: CurrentUser, site: SiteDep):
    """The caller's preferred message channel and digest choice, and which work apps know them."""
    return prefs.preferences(site, user.login)


@router.patch("/preferences", response_model=PreferencesPublic, responses={422: ERRORS[422]})
def change_preferences(body: PreferencesIn, user: CurrentUser, site: SiteDep):
    """Change the preferred channel (`inapp`, `mail`, `dingtalk`, `wecom`, or null for every channel) and/or the
    daily digest; only the fields sent change; audited. A person without a DingTalk or WeCom user id who prefers
    it gets the messages in their unit's channel, and the outbox row says so."""
    sent = body.model_fields_set
    kw = {}
    if "channel" in sent:
        kw["channel"] = body.channel
    if "digest" in sent and body.digest is not None:
        kw["digest"] = body.digest
    return prefs.set_preferences(site, user.login, **kw)
