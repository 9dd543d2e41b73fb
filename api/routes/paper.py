"""Paper the office hands round: the supervision bulletin (督查通报) as DOCX or PDF for the board's filters and a
period, the bulletins sent by the schedule (listed, and downloaded again as they were sent), the notice slip of an
item (督办通知单) and the chase slip of an overdue task (催办单)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from api.deps import CurrentUser, ItemId, LangDep, SiteDep, TaskId
from api.documents import docx as word_doc, pdf as pdf_doc  # modules: api.documents.pdf draws the pages' chart
from api.routes import ERRORS, PAGED, PageNo, PerPage, set_page_headers
from api.routes.supervision import make_filters
from engine.reads import bulletin, slips
from engine.reads.supervision import Filters
from engine.runtime.site import Site

router = APIRouter(tags=["paper"], responses={401: ERRORS[401], 422: ERRORS[422]})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class BulletinFilters:
    """The board's filters, and the kind of numbered period (week, month, quarter) or None for a custom range."""

    filters: Filters
    kind: str | None


def bulletin_filters(site: SiteDep,
                     unit: Annotated[str | None, Query(max_length=64, description="lead or co-handling unit")] = None,
                     definition: Annotated[str | None, Query(max_length=64)] = None,
                     state: Literal["running", "completed", "cancelled", "archived"] | None = None,
                     overdue: bool | None = None,
                     period: Annotated[Literal["week", "month", "quarter"] | None, Query(
                         description="this week (numbered by ISO week), month or quarter, up to today; "
                                     "the default without since/until is week")] = None,
                     since: Annotated[date | None, Query(description="issued on or after (YYYY-MM-DD)")] = None,
                     until: Annotated[date | None, Query(description="issued on or before (YYYY-MM-DD)")] = None,
                     q: Annotated[str | None, Query(max_length=200, description="words in the title or serial")] = None,
                     ) -> BulletinFilters:
    """The board's filters; `period` names a numbered week, month or quarter, `since`/`until` a custom range."""
    kind = period or (None if since or until else "week")
    f = make_filters(site, unit=unit, definition=definition, state=state, overdue=overdue, since=since,
                     until=until, q=q)
    return BulletinFilters(filters=f, kind=kind)


BulletinDep = Annotated[BulletinFilters, Depends(bulletin_filters)]


class SentBulletinPublic(BaseModel):
    id: int
    key: str
    definition: str
    heading: str
    since: date
    until: date
    sent_at: datetime
    recipients: list[str]
    pdf: str
    docx: str


def _model(site: Site, user: CurrentUser, b: BulletinFilters, lang: str) -> dict:
    return bulletin.build(site, login=user.login, filters=b.filters, kind=b.kind, lang=lang)


def attachment(content: bytes, media_type: str, name: str, ascii_name: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


def file_names(b: dict, ext: str) -> tuple[str, str]:
    return f"{b['heading']}.{ext}", f"duban-bulletin-{b['since']}-{b['until']}.{ext}"


@router.get("/supervision/bulletin.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}, 403: ERRORS[403]})
def bulletin_as_docx(user: CurrentUser, site: SiteDep, lang: LangDep, b: BulletinDep):
    """督查通报 as a Word document, from the board's own figures for the same filters (leaders, the office
    director, clerks): headline figures against the previous period, a table per unit, carded items, items closed
    in the period, a weekly chart, and a closing paragraph of facts."""
    m = _model(site, user, b, lang)
    return attachment(word_doc.bulletin_docx(m), DOCX, *file_names(m, "docx"))


@router.get("/supervision/bulletin.pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}, 403: ERRORS[403]})
def bulletin_as_pdf(user: CurrentUser, site: SiteDep, lang: LangDep, b: BulletinDep):
    """督查通报 as an A4 PDF with the Chinese font embedded (the same content as the DOCX)."""
    m = _model(site, user, b, lang)
    return attachment(pdf_doc.bulletin_pdf(m), PDF, *file_names(m, "pdf"))


@router.get("/supervision/bulletins", response_model=list[SentBulletinPublic],
            responses={200: PAGED, 403: ERRORS[403]})
def sent_bulletins(user: CurrentUser, site: SiteDep, request: Request, response: Response, page: PageNo = 1,
                   per_page: PerPage = 50):
    """The bulletins the schedule sent (definitions/bulletin.yaml), newest first, with their download links;
    paged (`per_page` ≤ 200, default 50; `X-Total-Count` and `Link` headers)."""
    rows, total = bulletin.sent_list(site, login=user.login, limit=per_page, offset=(page - 1) * per_page)
    set_page_headers(response, request, page=page, per_page=per_page, total=total)
    return [r | {"pdf": f"/api/v1/supervision/bulletins/{r['id']}.pdf",
                 "docx": f"/api/v1/supervision/bulletins/{r['id']}.docx"} for r in rows]


BulletinId = Annotated[int, Path(ge=1, le=MAX_ID, description="sent bulletin id")]


def _sent(site: Site, user: CurrentUser, bulletin_id: int, lang: str) -> dict:
    return bulletin.sent_model(site, login=user.login, bulletin_id=bulletin_id, lang=lang)


@router.get("/supervision/bulletins/{bulletin_id}.docx", response_class=Response,
            responses={200: {"content": {DOCX: {}}}, 403: ERRORS[403], 404: ERRORS[404]})
def sent_bulletin_docx(bulletin_id: BulletinId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """A sent bulletin as Word, rendered again from what was stored when it was sent."""
    m = _sent(site, user, bulletin_id, lang)
    return attachment(word_doc.bulletin_docx(m), DOCX, *file_names(m, "docx"))


@router.get("/supervision/bulletins/{bulletin_id}.pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}, 403: ERRORS[403], 404: ERRORS[404]})
def sent_bulletin_pdf(bulletin_id: BulletinId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """A sent bulletin as PDF, rendered again from what was stored when it was sent."""
    m = _sent(site, user, bulletin_id, lang)
    return attachment(pdf_doc.bulletin_pdf(m), PDF, *file_names(m, "pdf"))


@router.get("/instances/{item_id}/notice.pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}, 404: ERRORS[404]})
def notice_slip(item_id: ItemId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """督办通知单 of an item, for whoever may see it: serial, title, instruction, leader, lead and co-units, the due
    date in words and in working days, the chase rules of its definition, a signature line."""
    n = slips.notice(site, item_id=item_id, login=user.login, lang=lang)
    return attachment(pdf_doc.notice_pdf(n), PDF, f"{'Notice' if lang == 'en' else '督办通知单'} {n['serial']}.pdf",
                 f"duban-notice-{item_id}.pdf")


@router.get("/tasks/{task_id}/chase-slip.pdf", response_class=Response,
            responses={200: {"content": {PDF: {}}}, 404: ERRORS[404], 409: ERRORS[409]})
def chase_slip(task_id: TaskId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """催办单 of an overdue task (409 when it is not overdue), for whoever may see its item: working days overdue,
    chases so far, the card, lines for the reply."""
    c = slips.chase_slip(site, task_id=task_id, login=user.login, lang=lang)
    return attachment(pdf_doc.chase_slip_pdf(c), PDF, f"{'Chase slip' if lang == 'en' else '催办单'} {c['serial']}.pdf",
                 f"duban-chase-slip-{task_id}.pdf")
