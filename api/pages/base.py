"""What every page module shares: the one router the pages add their routes to, the site and posted-form
dependencies, and a task list with the buttons its reader may press."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData

from api.pages.forms import ui_actions
from api.pages.session import checked_form
from api.pages.words import Translator
from engine.runtime.site import Site

router = APIRouter(include_in_schema=False)


def site_of(request: Request) -> Site:
    return request.app.state.site


SiteDep = Annotated[Site, Depends(site_of)]
Form = Annotated[FormData, Depends(checked_form)]


def with_actions(site: Site, tasks: list[dict], lang: str) -> list[dict]:
    chase = Translator(lang)("chase_default")
    return [t | {"ui_actions": ui_actions(site, t, lang, chase)} for t in tasks]
