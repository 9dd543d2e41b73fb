"""Administration pages (administrators only, as engine.core.policy.require_admin decides; the definitions page
and its YAML check also for definition authors, policy.DEFINE_ROLES): the working calendar's overrides, and the
definitions with their validation results and diagrams, plus checking a YAML text before it is deployed. The
organisation's pages (units, people, passwords, import) live in api.pages.people."""
from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from api.errors import status_of
from api.i18n import role_label
from api.pages import diagram
from api.pages.forms import FormError, form_error
from api.pages.render import flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.base import Form, SiteDep, router
from api.pages.words import Translator, holiday_name
from api.routes.definitions import validate_text
from engine.reads import lists as listing
from engine.runtime import calendar_admin
from engine.core.dsl import ROLES
from engine.parser.kinds import validate_paths
from engine.parser.loader import NOT_WORKFLOWS, definitions_dir
from engine.runtime.site import Site
from engine.core.fields import YEARS_SHOWN
from engine.core.states import DubanError, InputError
from engine.core import policy


def admin(request: Request, site: Site) -> PageUser:
    user = require_user(request, site)
    policy.require_admin(user.actor)
    return user


def definer(request: Request, site: Site) -> PageUser:
    """The signed-in person, when they may author definitions (policy.DEFINE_ROLES); 403 for anyone else."""
    user = require_user(request, site)
    policy.require_definer(user.actor)
    return user


@router.get("/admin")
def admin_home(request: Request, site: SiteDep):
    admin(request, site)
    return RedirectResponse("/admin/org", status_code=303)


@router.get("/admin/calendar")
def calendar(request: Request, site: SiteDep, year: str = ""):
    user = admin(request, site)
    return calendar_page(request, site, user, int(year) if year.isdigit() and YEARS_SHOWN.has_year(int(year)) else None)


def calendar_page(request: Request, site: Site, user: PageUser, year: int | None, error: FormError | None = None):
    lang = page_lang(request)
    year = year or site.cal.local_date(site.clock.now()).year
    cal = listing.calendar_year(site, year=year)
    cal = cal | {"days": [d | {"name": holiday_name(d["name"], lang)} for d in cal["days"]]}
    return page(request, site, "admin_calendar.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("admin_calendar"), section="calendar", cal=cal, year=year, form_error=error)


@router.post("/admin/calendar")
def set_day(request: Request, site: SiteDep, form: Form):
    user = admin(request, site)
    values = {k: str(form.get(k, "")) for k in ("date", "working", "note")}
    try:
        try:
            day = date.fromisoformat(values["date"])
        except ValueError:
            raise InputError("date", "日期格式应为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None
        if values["working"] not in ("yes", "no"):
            raise InputError("working", "请选择工作日或休息日", "choose a working day or a day off")
        if len(values["note"]) > 200 or "\x00" in values["note"]:
            raise InputError("note", "说明最多 200 字", "the note holds at most 200 characters")
        calendar_admin.set_calendar_day(site, login=user.login, day=day, working=values["working"] == "yes",
                                 note=values["note"].strip())
    except DubanError as e:
        return calendar_page(request, site, user, None,
                             form_error(e, page_lang(request), values, action="calendar", status=status_of(e)))
    return flash(RedirectResponse(f"/admin/calendar?year={day.year}", status_code=303), "calendar_saved")


@router.post("/admin/calendar/{day}/delete")
def unset_day(request: Request, site: SiteDep, day: str, form: Form):
    user = admin(request, site)
    try:
        d = date.fromisoformat(day)
    except ValueError:
        d = None
    if d is not None:
        try:
            calendar_admin.unset_calendar_day(site, login=user.login, day=d)
        except DubanError as e:
            return calendar_page(request, site, user, d.year,
                                 form_error(e, page_lang(request), {}, action="calendar", status=status_of(e)))
    return flash(RedirectResponse(f"/admin/calendar?year={d.year if d else ''}", status_code=303), "calendar_saved")


def files_checked() -> list[dict]:
    """Each workflow file in definitions/ with the problems `duban validate` reports for it."""
    out = []
    for p in sorted(definitions_dir().glob("*.yaml")):
        if p.name.startswith(NOT_WORKFLOWS):
            continue
        out.append({"file": p.name, "problems": [x.replace(str(p), p.name) for x in validate_paths([p])]})
    return out


@router.get("/admin/definitions")
def definitions(request: Request, site: SiteDep):
    user = definer(request, site)
    return definitions_page(request, site, user, None, "")


def definitions_page(request: Request, site: Site, user: PageUser, checked: dict | None, text: str):
    lang = page_lang(request)
    defs = [{"id": k, "version": d.version, "title": d.title.text(lang), "prefix": d.serial.prefix,
             "steps": len(d.steps), "fields": len(d.fields), "may_start": sorted(policy.START_ROLES.get(k, ())),
             "diagram": Markup(diagram.svg(d, lang))} for k, d in site.definitions().items()]
    return page(request, site, "admin_definitions.html", user=user, title=Translator(lang)("admin_definitions"),
                section="definitions", defs=defs, files=files_checked(), checked=checked, text=text,
                roles={r: role_label(r)[lang] for r in ROLES})


@router.post("/admin/definitions/validate")
def validate(request: Request, site: SiteDep, form: Form):
    """Check a YAML text as `POST /api/v1/definitions/validate` does, without deploying it."""
    user = definer(request, site)
    text = str(form.get("yaml", ""))
    return definitions_page(request, site, user, validate_text(text), text)
