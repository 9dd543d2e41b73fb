"""Administration of people and units (administrators only, engine.core.policy.require_admin through
engine.runtime.people): add and edit units and people, set a person's password, disable a leaver or move a person
with their open tasks handed over, import staff from a spreadsheet and fetch its template."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api import auth, bodylimit, uploads
from api.deps import CurrentUser, SiteDep
from api.routes import ERRORS, MAX_PER_PAGE, PAGED, PageNo, PerPage, set_page_headers
from api.schemas.common import ErrorBody
from api.schemas.people import (
    ImportOut, PasswordSet, PasswordSetOut, PersonCreate, PersonOut, PersonPatch, UnitCreate, UnitOut, UnitPatch,
)
from engine.core import policy
from engine.core.people import MAX_SHEET_ROWS
from engine.runtime import people, people_sheet

router = APIRouter(prefix="/admin", tags=["people"], responses={401: ERRORS[401], 403: ERRORS[403],
                                                                 404: ERRORS[404], 422: ERRORS[422]})
Login = Annotated[str, Path(max_length=64, description="the person's login")]
UnitCode = Annotated[str, Path(max_length=64, description="the unit's code")]
MB = people_sheet.MAX_BYTES // 1024 // 1024
# the route refuses a declared length over its own bound in its own words; the counter stops a body that lies
bodylimit.allow_larger(r"/api/v1/admin/people/import", lambda: people_sheet.MAX_BYTES + 1024 * 1024)


@router.post("/units", response_model=UnitOut, status_code=201)
def add_unit(body: UnitCreate, user: CurrentUser, site: SiteDep):
    """A new unit (code, Chinese name, English name)."""
    return people.add_unit(site, by=user.login, data=body.model_dump())


@router.patch("/units/{code}", response_model=UnitOut)
def edit_unit(code: UnitCode, body: UnitPatch, user: CurrentUser, site: SiteDep):
    """Rename a unit (only the fields sent change)."""
    return people.edit_unit(site, by=user.login, code=code, data=body.model_dump(exclude_unset=True))


@router.get("/people", response_model=list[PersonOut], responses={200: PAGED})
def list_people(user: CurrentUser, site: SiteDep, request: Request, response: Response,
                unit: Annotated[str | None, Query(max_length=64)] = None, active: bool | None = None,
                page: PageNo = 1, per_page: PerPage = MAX_PER_PAGE):
    """Everyone (disabled people too, unless `active` says), by login; whether each can sign in."""
    policy.require_admin(user.actor)
    total, rows = people.list_people(site, limit=per_page, offset=(page - 1) * per_page, unit=unit, active=active)
    set_page_headers(response, request, page=page, per_page=per_page, total=total)
    return rows


@router.post("/people", response_model=PersonOut, status_code=201)
def add_person(body: PersonCreate, user: CurrentUser, site: SiteDep):
    """A new person; with `password` an initial one that they must change at their first sign-in."""
    data = body.model_dump(exclude={"password"})
    return people.add_person(site, by=user.login, data=data, password=body.password)


@router.get("/people/import-template.xlsx", response_class=Response,
            responses={200: {"content": {people_sheet.XLSX_TYPE: {}}, "description": "the staff import template"}})
def import_template(user: CurrentUser, site: SiteDep):
    """The spreadsheet to fill in: 登录名, 姓名, 单位, 角色, 类别, 邮箱, 手机, and a sheet 说明 with the codes."""
    policy.require_admin(user.actor)
    return Response(people_sheet.template(site.org), media_type=people_sheet.XLSX_TYPE,
                    headers={"Content-Disposition": "attachment; filename=\"people-template.xlsx\""})


IMPORT_TEXT = (f"Staff from a spreadsheet, XLSX or CSV, at most {MB} MB and {MAX_SHEET_ROWS} rows (columns 登录名, "
               "姓名, 单位, 角色, 类别, 邮箱, 手机; units and roles by code or Chinese name; roles separated by 、 or ,). "
               "All or nothing: any bad row and nothing is imported, every problem named in `details.rows` by row "
               "number and column (422 `invalid_sheet`). `dry_run=true` says who would be created. Imported people "
               "sign in once an administrator has set their password.")


UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {
        "type": "string", "format": "binary",
        "description": f"XLSX or CSV, at most {MB} MB and {MAX_SHEET_ROWS} rows"}}}}}}}
TOO_LARGE = {"model": ErrorBody, "description": f"the upload is larger than {MB} MB: `body_too_large`"}


@router.post("/people/import", response_model=ImportOut, description=IMPORT_TEXT, openapi_extra=UPLOAD,
             responses={411: TOO_LARGE | {"description": "the request stated no Content-Length"},
                        413: TOO_LARGE})
async def import_people(request: Request, user: CurrentUser, site: SiteDep, dry_run: bool = False):
    """Staff from a spreadsheet, all or nothing (IMPORT_TEXT says it all in the OpenAPI). The declared length is
    checked before the body is read."""
    policy.require_admin(user.actor)
    content, name = await uploads.sheet(request, people_sheet.MAX_BYTES)

    def run() -> dict:
        header, rows = people_sheet.read_sheet(content, name)
        return people.import_people(site, by=user.login, header=header, rows=rows, dry_run=dry_run, source=name[:100])

    return await run_in_threadpool(run)


@router.patch("/people/{login}", response_model=PersonOut)
def edit_person(login: Login, body: PersonPatch, user: CurrentUser, site: SiteDep):
    """Change a person. `active: false` disables them at once (tokens revoked); disabling or moving them to
    another unit hands their open tasks to `handover_to`, else to the queue of the unit they leave (批量转办,
    one audit event listing every task)."""
    data = body.model_dump(exclude_unset=True, exclude={"handover_to"})
    out = people.edit_person(site, by=user.login, login=login, data=data, handover_to=body.handover_to)
    if not out["active"]:
        auth.forget_person(site, login)
    return out


@router.post("/people/{login}/password", response_model=PasswordSetOut)
def set_password(login: Login, body: PasswordSet, user: CurrentUser, site: SiteDep):
    """Set an initial or new password: the person's tokens stop, and they must change it at their next sign-in."""
    people.set_password(site, by=user.login, login=login, password=body.password)
    auth.forget_person(site, login)
    return {"login": login, "must_change_password": True}
