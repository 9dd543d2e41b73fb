"""导入督办清单: a clerk (or a leader) imports a meeting's list of decisions as items from the issue page — the
template to fill in, a dry run that shows what would be created, then all or nothing, every bad row named by row
and column (engine.runtime.decision_import, the API's own path)."""
from __future__ import annotations

from fastapi import Request, Response
from starlette.datastructures import UploadFile

from api import bodylimit
from api.errors import status_of
from api.pages.base import Form, SiteDep, router
from api.pages.forms import FormError, form_error
from api.pages.issue import startable
from api.pages.render import page
from api.pages.session import MAX_FORM_BYTES, PageUser, page_lang, require_user
from api.pages.words import Translator
from engine.core.decision_list import MAX_ROWS
from engine.core.states import DubanError, InputError
from engine.runtime import decision_import, people_sheet
from engine.runtime.site import Site

bodylimit.allow_larger(r"/new/[a-z0-9_]+/import", lambda: MAX_FORM_BYTES)  # the list's spreadsheet form


@router.get("/new/{definition}/import")
def import_form(request: Request, site: SiteDep, definition: str):
    user = require_user(request, site)
    return import_page(request, site, user, definition[:64])


@router.get("/new/{definition}/import-template.xlsx")
def import_template(request: Request, site: SiteDep, definition: str):
    user = require_user(request, site)
    startable(site, user, definition[:64])
    return Response(decision_import.template(site, definition), media_type=people_sheet.XLSX_TYPE,
                    headers={"Content-Disposition": "attachment; filename=\"supervision-list-template.xlsx\""})


@router.post("/new/{definition}/import")
def import_list(request: Request, site: SiteDep, definition: str, form: Form):
    user = require_user(request, site)
    key = definition[:64]
    upload = form.get("file")
    dry_run = form.get("dry_run") == "true"
    try:
        startable(site, user, key)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InputError("file", "请选择要导入的 XLSX 或 CSV 文件", "choose an XLSX or CSV file to import")
        header, rows = people_sheet.read_sheet(upload.file.read(people_sheet.MAX_BYTES + 1), upload.filename)
        result = decision_import.import_list(site, by=user.login, definition=key, header=header, rows=rows,
                                             dry_run=dry_run, source=upload.filename[:100])
    except DubanError as e:
        err = form_error(e, page_lang(request), {}, action="import", status=status_of(e))
        return import_page(request, site, user, key, err, sheet_rows=e.details.get("rows"))
    return import_page(request, site, user, key, imported=result)


def import_page(request: Request, site: Site, user: PageUser, key: str, error: FormError | None = None,
                imported: dict | None = None, sheet_rows: list[dict] | None = None):
    lang = page_lang(request)
    defn = startable(site, user, key)
    return page(request, site, "import_list.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("import_list"), key=key, definition_title=defn.title.text(lang),
                form_error=error, imported=imported, sheet_rows=sheet_rows or [],
                limits={"rows": MAX_ROWS, "mb": people_sheet.MAX_BYTES // 1024 // 1024})
