"""Pages that messages lead to: a one-tap link (`/go/{token}`) opens the task with its action ready, or explains
why it cannot (someone else's, used, expired); and 我的设置, where a person chooses the channel their messages come
by and the daily digest."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse

from api.pages.base import Form, SiteDep, router
from api.pages.render import flash, page
from api.pages.session import page_lang, require_user
from api.pages.words import Translator
from engine.core.states import DubanError
from engine.runtime import links, preferences as prefs
from engine.runtime.delivery import PREFERENCES

Token = Annotated[str, Path(min_length=16, max_length=links.MAX_TOKEN, pattern=r"^[A-Za-z0-9_-]+$")]
STATUS = {"other": 403, "used": 410, "expired": 410, "unknown": 404}


@router.get("/go/{token}")
def go(request: Request, site: SiteDep, token: Token):
    """Open a message's link: sign in first if needed (the sign-in page comes back here). A GET never acts: the
    recipient lands on the task with the suggested action ready; anyone else, or a second opening, is told why."""
    user = require_user(request, site)
    opened = links.open_link(site, token, user.login)
    if opened.state == "ok":
        anchor = f"#task-{opened.task_id}" if opened.task_id else ""
        query = f"?task={opened.task_id}&ready={opened.action}" if opened.task_id else ""
        return RedirectResponse(f"/items/{opened.item_id}{query}{anchor}", status_code=303)
    t = Translator(page_lang(request))
    return page(request, site, "link.html", user=user, status=STATUS[opened.state], title=t("link_title"),
                state=opened.state, message=t(f"link_{opened.state}"),
                item_id=opened.item_id if opened.may_see else None)


@router.get("/me")
def my_settings(request: Request, site: SiteDep):
    user = require_user(request, site)
    return _settings_page(request, site, user, None)


@router.post("/me/preferences")
def save_settings(request: Request, site: SiteDep, form: Form):
    user = require_user(request, site)
    channel = str(form.get("channel", ""))
    try:
        prefs.set_preferences(site, user.login, channel=channel if channel in PREFERENCES else None,
                              digest=form.get("digest") == "1")
    except DubanError as e:
        return _settings_page(request, site, user, e.en if page_lang(request) == "en" else e.zh)
    return flash(RedirectResponse("/me", status_code=303), "preferences_saved")


def _settings_page(request: Request, site: SiteDep, user, error: str | None):  # noqa: ANN001
    t = Translator(page_lang(request))
    return page(request, site, "me.html", user=user, status=422 if error else 200, title=t("nav_me"),
                prefs=prefs.preferences(site, user.login), choices=PREFERENCES, error=error)
