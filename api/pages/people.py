"""People pages: the organisation page where administrators add and edit units and people, set passwords,
disable a leaver with the handover of their tasks and import staff from a spreadsheet (every change through
engine.runtime.people, as the API's); and the change-password page every signed-in person reaches from the header,
where a person with a password set by an administrator is sent before anything else."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from api import auth, bodylimit
from api.errors import status_of
from api.i18n import role_label
from api.pages.base import Form, SiteDep, router
from api.pages.forms import FormError, form_error
from api.pages.render import flash, page
from api.pages.session import MAX_FORM_BYTES, PageUser, page_lang, require_user, session_user, SignInRequired
from api.pages.words import Translator
from engine.core import policy
from engine.core.dsl import ROLES
from engine.core.passwords import MAX_LENGTH, MIN_LENGTH
from engine.core.people import MAX_SHEET_ROWS
from engine.core.states import DubanError, InputError
from engine.runtime import people, people_sheet
from engine.runtime.site import Site

TEXT_FIELDS = ("name", "name_en", "unit", "category", "email", "phone", "dingtalk_userid", "wecom_userid")

bodylimit.allow_larger(r"/admin/org/import", lambda: MAX_FORM_BYTES)  # the staff spreadsheet form


def admin(request: Request, site: Site) -> PageUser:
    user = require_user(request, site)
    policy.require_admin(user.actor)
    return user


def masked(channel: str) -> str:
    """A channel URL without its secrets: only the kind of channel shows."""
    scheme, sep, _ = channel.partition("://")
    return f"{scheme}://…" if sep else "…"


def _values(form, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: str(form.get(k, ""))[:1000] for k in keys}


def _choices(site: Site, lang: str) -> dict:
    o = site.org
    return {"units": [(u.id, u.name_en if lang == "en" else u.name_zh) for u in o.units.values()],
            "roles": [(r, role_label(r)[lang]) for r in ROLES],
            "categories": [(c, names[lang == "en"]) for c, names in o.categories.items()],
            "people": sorted(((p.login, f"{p.name_en or p.login if lang == 'en' else p.name_zh} ({p.login})")
                              for p in o.people.values()), key=lambda x: x[0])}


# ------------------------------------------------------------------ the organisation page
@router.get("/admin/org")
def org(request: Request, site: SiteDep):
    user = admin(request, site)
    return org_page(request, site, user)


def org_page(request: Request, site: Site, user: PageUser, error: FormError | None = None,
             imported: dict | None = None, sheet_rows: list[dict] | None = None):
    lang = page_lang(request)
    o = site.org
    units = [{"id": u.id, "name": u.name_en if lang == "en" else u.name_zh, "name_zh": u.name_zh,
              "name_en": u.name_en, "head": u.head, "members": sum(1 for p in o.people.values() if p.unit == u.id)}
             for u in o.units.values()]
    _, everyone = people.list_people(site, limit=100_000)
    rows = [p | {"role_labels": [role_label(r)[lang] for r in p["roles"]],
                 "category_label": (o.categories.get(p["category"], (p["category"], p["category"]))[lang == "en"]
                                    if p["category"] else ""),
                 "channels": [masked(c) for c in site.channels_of(p["login"])]} for p in everyone]
    roles = [{"id": r, "label": role_label(r)[lang], "people": o.with_role(r)} for r in ROLES]
    return page(request, site, "admin_org.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("admin_org"), section="org", units=units, people=rows, roles=roles,
                choices=_choices(site, lang), form_error=error, imported=imported, sheet_rows=sheet_rows or [],
                limits={"min": MIN_LENGTH, "max": MAX_LENGTH, "rows": MAX_SHEET_ROWS,
                        "mb": people_sheet.MAX_BYTES // 1024 // 1024})


def _refused(request: Request, site: Site, user: PageUser, e: DubanError, values: dict, action: str):
    return org_page(request, site, user, form_error(e, page_lang(request), values, action=action, status=status_of(e)))


@router.post("/admin/org/units")
def add_unit(request: Request, site: SiteDep, form: Form):
    user = admin(request, site)
    values = _values(form, ("code", "name", "name_en"))
    try:
        people.add_unit(site, by=user.login, data=values)
    except DubanError as e:
        return _refused(request, site, user, e, values, "add_unit")
    return flash(RedirectResponse("/admin/org#units", status_code=303), "org_saved")


@router.post("/admin/org/units/{code}")
def edit_unit(request: Request, site: SiteDep, code: str, form: Form):
    user = admin(request, site)
    values = _values(form, ("name", "name_en"))
    try:
        people.edit_unit(site, by=user.login, code=code[:64], data=values)
    except DubanError as e:
        return _refused(request, site, user, e, values | {"code": code}, "edit_unit")
    return flash(RedirectResponse("/admin/org#units", status_code=303), "org_saved")


@router.post("/admin/org/people")
def add_person(request: Request, site: SiteDep, form: Form):
    user = admin(request, site)
    values = _values(form, ("login", *TEXT_FIELDS, "password"))
    roles = [str(r)[:64] for r in form.getlist("roles")][:len(ROLES)]
    data = {k: v for k, v in values.items() if k != "password"} | {"roles": roles or ["staff"]}
    try:
        people.add_person(site, by=user.login, data=data, password=values["password"] or None)
    except DubanError as e:
        return _refused(request, site, user, e, values | {"password": "", "roles": roles}, "add_person")
    return flash(RedirectResponse("/admin/org#people", status_code=303), "person_added")


@router.get("/admin/org/import-template.xlsx")
def import_template(request: Request, site: SiteDep):
    admin(request, site)
    return Response(people_sheet.template(site.org), media_type=people_sheet.XLSX_TYPE,
                    headers={"Content-Disposition": "attachment; filename=\"people-template.xlsx\""})


@router.post("/admin/org/import")
def import_people(request: Request, site: SiteDep, form: Form):
    user = admin(request, site)
    upload = form.get("file")
    dry_run = form.get("dry_run") == "true"
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InputError("file", "请选择要导入的 XLSX 或 CSV 文件", "choose an XLSX or CSV file to import")
        header, rows = people_sheet.read_sheet(upload.file.read(people_sheet.MAX_BYTES + 1), upload.filename)
        result = people.import_people(site, by=user.login, header=header, rows=rows, dry_run=dry_run,
                                      source=upload.filename[:100])
    except DubanError as e:
        err = form_error(e, page_lang(request), {}, action="import", status=status_of(e))
        return org_page(request, site, user, err, sheet_rows=e.details.get("rows"))
    return org_page(request, site, user, imported=result)


# ------------------------------------------------------------------ one person
@router.get("/admin/org/people/{login}")
def person(request: Request, site: SiteDep, login: str):
    user = admin(request, site)
    return person_page(request, site, user, login[:64])


def person_page(request: Request, site: Site, user: PageUser, login: str, error: FormError | None = None):
    lang = page_lang(request)
    p = people.get_person(site, login)
    name = (p["name_en"] or p["login"]) if lang == "en" else p["name"]
    return page(request, site, "admin_person.html", user=user, status=error.status if error else 200,
                title=f"{Translator(lang)('admin_org')} · {name}", section="org", p=p,
                choices=_choices(site, lang), form_error=error, limits={"min": MIN_LENGTH, "max": MAX_LENGTH})


def _person_refused(request: Request, site: Site, user: PageUser, login: str, e: DubanError, values: dict,
                    action: str):
    err = form_error(e, page_lang(request), values, action=action, status=status_of(e))
    return person_page(request, site, user, login, err)


def _back(login: str, key: str) -> Response:
    return flash(RedirectResponse(f"/admin/org/people/{quote(login, safe='')}", status_code=303), key)


@router.post("/admin/org/people/{login}")
def edit_person(request: Request, site: SiteDep, login: str, form: Form):
    user = admin(request, site)
    login = login[:64]
    values = _values(form, (*TEXT_FIELDS, "handover_to"))
    roles = [str(r)[:64] for r in form.getlist("roles")][:len(ROLES)]
    data = {k: v for k, v in values.items() if k != "handover_to"} | {"roles": roles}
    try:
        people.edit_person(site, by=user.login, login=login, data=data, handover_to=values["handover_to"] or None)
    except DubanError as e:
        return _person_refused(request, site, user, login, e, values | {"roles": roles}, "edit")
    return _back(login, "org_saved")


@router.post("/admin/org/people/{login}/password")
def set_password(request: Request, site: SiteDep, login: str, form: Form):
    user = admin(request, site)
    login = login[:64]
    try:
        people.set_password(site, by=user.login, login=login, password=str(form.get("password", ""))[:MAX_LENGTH + 1])
    except DubanError as e:
        return _person_refused(request, site, user, login, e, {}, "password")
    auth.forget_person(site, login)
    return _back(login, "password_set")


@router.post("/admin/org/people/{login}/disable")
def disable(request: Request, site: SiteDep, login: str, form: Form):
    user = admin(request, site)
    login = login[:64]
    successor = str(form.get("handover_to", ""))[:64] or None
    try:
        people.disable(site, by=user.login, login=login, handover_to=successor)
    except DubanError as e:
        return _person_refused(request, site, user, login, e, {"handover_to": successor or ""}, "disable")
    auth.forget_person(site, login)
    return _back(login, "person_disabled")


@router.post("/admin/org/people/{login}/enable")
def enable(request: Request, site: SiteDep, login: str, form: Form):
    user = admin(request, site)
    login = login[:64]
    try:
        people.edit_person(site, by=user.login, login=login, data={"active": True})
    except DubanError as e:
        return _person_refused(request, site, user, login, e, {}, "enable")
    return _back(login, "org_saved")


# ------------------------------------------------------------------ one's own password
@router.get("/password")
def password_page(request: Request, site: SiteDep):
    user = session_user(request, site)
    if user is None:
        raise SignInRequired("/password")
    return _password_form(request, site, user, None)


def _password_form(request: Request, site: Site, user: PageUser, error: FormError | None):
    lang = page_lang(request)
    return page(request, site, "password.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("change_password"), form_error=error,
                forced=site.must_change_password(user.login), limits={"min": MIN_LENGTH, "max": MAX_LENGTH})


@router.post("/password")
def change_password(request: Request, site: SiteDep, form: Form):
    user = session_user(request, site)
    if user is None:
        raise SignInRequired("/password")
    current, new, again = (str(form.get(k, ""))[:MAX_LENGTH + 1] for k in ("current", "new", "again"))
    try:
        if new != again:
            raise InputError("again", "两次输入的新密码不一致", "the two new passwords differ")
        people.change_own_password(site, login=user.login, current=current, new=new)
    except DubanError as e:
        return _password_form(request, site, user, form_error(e, page_lang(request), {}, action="password",
                                                               status=status_of(e)))
    return flash(RedirectResponse("/tasks", status_code=303), "password_changed")
