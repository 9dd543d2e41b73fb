"""The signed-in person: who they are and the tasks in front of them."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS, PAGED, MAX_PER_PAGE, PageNo, PerPage, set_page_headers
from api.schemas.me import MePublic, PasswordChange, PasswordChanged
from engine.runtime import people
from api.schemas.tasks import TaskPublic
from engine.reads import items as queries

router = APIRouter(prefix="/me", tags=["me"], responses={401: ERRORS[401]})


@router.get("", response_model=MePublic)
def me(user: CurrentUser, site: SiteDep):
    """Person, unit and roles (with Chinese and English labels), and what they may start."""
    return views.profile(site, user.actor) | {"must_change_password": site.must_change_password(user.login)}


@router.post("/password", response_model=PasswordChanged, responses={422: ERRORS[422]})
def change_password(body: PasswordChange, user: CurrentUser, site: SiteDep):
    """Change one's own password (`current`, then `new`: at least 10 characters, at most 256, neither the login
    nor containing it, not a common password). Clears a forced change after an administrator set the password."""
    people.change_own_password(site, login=user.login, current=body.current, new=body.new)
    return {"changed": True}


@router.get("/tasks", response_model=list[TaskPublic], responses={200: PAGED, 422: ERRORS[422]})
def my_tasks(user: CurrentUser, site: SiteDep, lang: LangDep, request: Request, response: Response,
             state: Literal["open", "overdue", "done"] = "open", page: PageNo = 1, per_page: PerPage = MAX_PER_PAGE):
    """The caller's tasks (a unit head also sees the unit's), each with the actions the caller may take; soonest
    due first, `per_page` a page, the total in `X-Total-Count` and the other pages in `Link`."""
    total = queries.count_my_tasks(site, user.login, state)
    set_page_headers(response, request, page=page, per_page=per_page, total=total)
    return queries.my_tasks(site, user.login, state, lang, limit=per_page, offset=(page - 1) * per_page)
