"""The signed-in person: who they are and the tasks in front of them."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from api.schemas import MePublic, TaskPublic
from engine.reads import items as queries

router = APIRouter(prefix="/me", tags=["me"], responses={401: ERRORS[401]})


@router.get("", response_model=MePublic)
def me(user: CurrentUser, site: SiteDep):
    """Person, unit and roles (with Chinese and English labels), and what they may start."""
    return views.profile(site, user.actor)


@router.get("/tasks", response_model=list[TaskPublic], responses={422: ERRORS[422]})
def my_tasks(user: CurrentUser, site: SiteDep, lang: LangDep, state: Literal["open", "overdue", "done"] = "open"):
    """The caller's tasks (a unit head also sees the unit's), each with the actions the caller may take."""
    return queries.my_tasks(site, user.login, state, lang)
