"""Import a supervision list (会议纪要督办清单) as items, all or nothing, with a dry run; and its template. The rules
are engine.core.decision_list's (the form's own checks); reading the file is the staff import's
(engine.runtime.people_sheet)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api import bodylimit, uploads
from api.deps import CurrentUser, SiteDep
from api.routes import ERRORS
from api.schemas.common import ErrorBody
from api.schemas.decision_import import ListImportOut
from engine.core.decision_list import MAX_ROWS
from engine.core.states import InputError
from engine.runtime import decision_import, people_sheet

router = APIRouter(prefix="/instances", tags=["instances"], responses={401: ERRORS[401], 403: ERRORS[403],
                                                                       422: ERRORS[422]})
MB = people_sheet.MAX_BYTES // 1024 // 1024
bodylimit.allow_larger(r"/api/v1/instances/import", lambda: people_sheet.MAX_BYTES + 1024 * 1024)
Definition = Annotated[str, Query(max_length=64, description="the definition the rows become items of")]

IMPORT_TEXT = (f"A supervision list (会议纪要督办清单) from a spreadsheet, XLSX or CSV, at most {MB} MB and {MAX_ROWS} "
               "rows: columns 事项, 批示内容/会议要求, 主办单位, 协办单位, 办理时限, 批示领导, 来源, 督办级别 (督办级别 only "
               "if the definition has the field `level`); units and people by name (财务部, 王局长) or code, choices "
               "by label or code, several co-handling units separated by 、. Each row is checked like the "
               "registration form. All or nothing: any bad row and nothing is imported, every problem named in "
               "`details.rows` by row number and column (422 `invalid_sheet`). `dry_run=true` shows what would be "
               "created.")
UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {
        "type": "string", "format": "binary",
        "description": f"XLSX or CSV, at most {MB} MB and {MAX_ROWS} rows"}}}}}}}
TOO_LARGE = {"model": ErrorBody, "description": f"the upload is larger than {MB} MB: `body_too_large`"}


@router.get("/import-template.xlsx", response_class=Response,
            responses={200: {"content": {people_sheet.XLSX_TYPE: {}}, "description": "the list to fill in"}})
def import_template(user: CurrentUser, site: SiteDep, definition: Definition = "directive"):
    """The supervision list to fill in (督办清单), with a sheet 说明 naming the units and the choices."""
    if definition not in site.definitions():
        raise InputError("definition", f"没有流程定义“{definition}”", f"there is no definition {definition!r}")
    return Response(decision_import.template(site, definition), media_type=people_sheet.XLSX_TYPE,
                    headers={"Content-Disposition": "attachment; filename=\"supervision-list-template.xlsx\""})


@router.post("/import", response_model=ListImportOut, description=IMPORT_TEXT, openapi_extra=UPLOAD,
             responses={411: TOO_LARGE | {"description": "the request stated no Content-Length"}, 413: TOO_LARGE})
async def import_list(request: Request, user: CurrentUser, site: SiteDep, definition: Definition = "directive",
                      dry_run: bool = False):
    """Items from a supervision list, all or nothing (IMPORT_TEXT says it all in the OpenAPI)."""
    content, name = await uploads.sheet(request, people_sheet.MAX_BYTES)

    def run() -> dict:
        header, rows = people_sheet.read_sheet(content, name)
        return decision_import.import_list(site, by=user.login, definition=definition, header=header, rows=rows,
                                           dry_run=dry_run, source=name[:100])

    return await run_in_threadpool(run)
