"""The proxies page (代理, /proxies): a person names who stands in for them while on leave, sees the proxies they
gave and received, and revokes one; administrators may name one for someone else. The rules and the record are
engine.runtime.proxies'; this module only turns the form into its call and its refusals into the form's messages."""
from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import RedirectResponse

from api.deps import MAX_ID
from api.errors import status_of
from api.pages.base import Form, SiteDep, router
from api.pages.forms import FormError, form_error, options
from api.pages.render import flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.words import Translator
from engine.core import policy
from engine.core.proxies import NOTE_MAX
from engine.core.states import DubanError, InputError
from engine.runtime import proxies
from engine.runtime.site import Site

FIELDS = ("to", "from", "until", "note", "for")


@router.get("/proxies")
def proxies_page(request: Request, site: SiteDep):
    return show(request, site, require_user(request, site))


def show(request: Request, site: Site, user: PageUser, error: FormError | None = None):
    lang = page_lang(request)
    mine = proxies.listing(site, by=user.login, lang=lang)
    today = site.cal.local_date(site.clock.now())
    return page(request, site, "proxies.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("proxies_title"), given=mine["given"], received=mine["received"],
                form_error=error, opts=options(site, lang), today=today.isoformat(), note_max=NOTE_MAX,
                may_name_for_others=bool(user.actor.roles & policy.ADMIN_ROLES))


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(field, "日期格式应为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None


@router.post("/proxies")
def give(request: Request, site: SiteDep, form: Form):
    user = require_user(request, site)
    values = {k: str(form.get(k, ""))[:NOTE_MAX + 1] for k in FIELDS}
    try:
        if not values["to"]:
            raise InputError("to", "请选择代理人", "choose who stands in for you")
        proxies.give(site, by=user.login, to=values["to"], until=_date(values["until"], "until"),
                     starts=_date(values["from"], "from") if values["from"] else None, note=values["note"].strip(),
                     principal=values["for"] or None, lang=page_lang(request))
    except DubanError as e:
        return show(request, site, user, form_error(e, page_lang(request), values, action="proxy",
                                                    status=status_of(e)))
    return flash(RedirectResponse("/proxies", status_code=303), "proxy_given")


@router.post("/proxies/{proxy_id}/revoke")
def revoke(request: Request, site: SiteDep, proxy_id: int, form: Form):
    user = require_user(request, site)
    try:
        if not 1 <= proxy_id <= MAX_ID:
            raise InputError("proxy", "没有这条代理", "no such proxy")
        proxies.revoke(site, by=user.login, proxy_id=proxy_id, lang=page_lang(request))
    except DubanError as e:
        return show(request, site, user, form_error(e, page_lang(request), {}, action="revoke", status=status_of(e)))
    return flash(RedirectResponse("/proxies", status_code=303), "proxy_revoked")
