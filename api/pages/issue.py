"""Starting items from a page: issue a directive (leaders and clerks), register an incoming document (clerks),
with the definition's own fields as the form; and the working-day count shown as a due date is picked."""
from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse

from api import views
from api.errors import status_of
from api.pages.forms import FormError, form_error, options, read_fields, subject_fields
from api.pages.render import flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.base import Form, SiteDep, router
from api.pages.words import Translator
from engine.runtime import permissions
from engine.runtime.site import Site
from engine.core.fields import DATES, coerce
from engine.core.states import DubanError, NotAllowed, NotFound
from engine.core import policy

WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def startable(site: Site, user: PageUser, key: str):  # noqa: ANN202
    """The definition `key`, if the user may start it (engine.core.policy.may_start): the issue form's and the
    supervision list import's one check."""
    defn = site.definitions().get(key)
    if defn is None:
        raise NotFound(f"没有流程定义“{key}”", f"no definition {key!r}", {"definition": key})
    if not policy.may_start(user.actor, key):
        raise NotAllowed(f"您无权发起“{defn.title.zh}”", f"you may not start a '{defn.title.en}'", {"definition": key})
    return defn


@router.get("/new/{definition}")
def new_item(request: Request, site: SiteDep, definition: str):
    user = require_user(request, site)
    return new_page(request, site, user, definition, None)


def new_page(request: Request, site: Site, user: PageUser, key: str, error: FormError | None):
    lang = page_lang(request)
    defn = startable(site, user, key)
    fields = subject_fields(defn, lang)
    if error is not None:
        values = error.values
    else:
        leaders = site.org.with_role("leader")
        values = {f["name"]: f["default"] for f in fields if f["default"] is not None}
        for f in fields:
            if f["type"] == "person" and f["name"] == "leader":
                values[f["name"]] = user.login if user.login in leaders else (leaders[0] if leaders else None)
            if f["name"] == "received_on":
                values[f["name"]] = site.cal.local_date(site.clock.now()).isoformat()
    t = Translator(lang)
    title = t("nav_new_directive") if key == "directive" else t("nav_new_document") \
        if key == "incoming_document" else defn.title.text(lang)
    return page(request, site, "new_item.html", user=user, status=error.status if error else 200, title=title,
                key=key, definition_title=defn.title.text(lang), fields=fields, values=values,
                form_error=error, opts=options(site, lang), unknown_years=unknown_years(site))


@router.post("/new/{definition}")
def start_item(request: Request, site: SiteDep, definition: str, form: Form):
    user = require_user(request, site)
    defn = startable(site, user, definition)
    subject = read_fields(form, subject_fields(defn, page_lang(request)))
    files = str(form.get("attachments", ""))
    try:
        views.no_nul(subject, "")
        ids = coerce("attachments", files, "attachments") if files.strip() else []
        item_id = permissions.start_item(site, definition, subject, user.login, tuple(ids))
    except DubanError as e:
        return new_page(request, site, user, definition,
                        form_error(e, page_lang(request), {**subject, "attachments": files}, status=status_of(e)))
    return flash(RedirectResponse(f"/items/{item_id}", status_code=303), f"started.{definition}")


@router.get("/ui/working-days")
def working_days(request: Request, site: SiteDep):
    """{"days", "text"}: working days from today to the picked date, in words (for the date fields)."""
    require_user(request, site)
    return JSONResponse(workdays_note(site, request.query_params.get("date", ""), page_lang(request)),
                        headers={"Cache-Control": "no-store"})


def workdays_note(site: Site, text: str, lang: str) -> dict:
    t = Translator(lang)
    try:
        d = date.fromisoformat(text)
        if d not in DATES:
            raise ValueError
    except ValueError:
        return {"days": None, "text": t("wd_bad_date")}
    cal, now = site.cal, site.clock.now()
    today = cal.local_date(now)
    weekday = WEEKDAYS["en" if lang == "en" else "zh"][d.weekday()]
    day = cal.describe_day(d)
    rest = "" if day["working"] else t("wd_day_off", name=day["name"] or "") if day["name"] else t("wd_weekend")
    if d < today:
        return {"days": None, "text": t("wd_past", weekday=weekday)}
    n = cal.working_days_between(now, cal.due_on_date(d))
    words = t("wd_pick_today", weekday=weekday) if d == today else t("wd_pick", n=n, weekday=weekday)
    due = cal.due_day(d)  # a day off moves to the next working day (DUBAN_DUE_ON_DAY_OFF)
    if due != d:
        rest += t("wd_moved", day=due.isoformat(), weekday=WEEKDAYS["en" if lang == "en" else "zh"][due.weekday()])
    if not cal.year_known(d.year):
        rest += t("wd_year_unknown", year=d.year)
    return {"days": n, "text": words + rest, "due_day": due.isoformat(), "year_known": cal.year_known(d.year)}


def unknown_years(site: Site) -> list[int]:
    """Years a new item's deadlines may fall in (today to 90 days on) whose holidays are not known."""
    today = site.cal.local_date(site.clock.now())
    return site.cal.unknown_years(today, today + timedelta(days=90))
