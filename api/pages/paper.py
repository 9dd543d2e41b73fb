"""The paper behind the pages' links (signed in by the page session): an item's notice slip (督办通知单), an overdue
task's chase slip (催办单), and the bulletin (督查通报) of the board's current filters; the same models and
renderers as the API (engine.reads.slips and bulletin, api/documents)."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from typing import Annotated

from fastapi import Path

from api.deps import MAX_ID, ItemId, TaskId
from api.documents import docx as word_doc, pdf as pdf_doc  # modules: api.documents.pdf draws the pages' chart
from api.pages.base import SiteDep, router
from api.pages.session import page_lang, require_user
from api.pages.supervise import read_filters
from api.routes.paper import DOCX, PDF, attachment, file_names
from engine.reads import bulletin, slips

KINDS = ("week", "month", "quarter")


@router.get("/items/{item_id}/notice.pdf")
def notice(request: Request, site: SiteDep, item_id: ItemId) -> Response:
    user = require_user(request, site)
    lang = page_lang(request)
    n = slips.notice(site, item_id=item_id, login=user.login, lang=lang)
    return attachment(pdf_doc.notice_pdf(n), PDF, f"{'Notice' if lang == 'en' else '督办通知单'} {n['serial']}.pdf",
                 f"duban-notice-{item_id}.pdf")


@router.get("/tasks/{task_id}/chase-slip.pdf")
def chase_slip(request: Request, site: SiteDep, task_id: TaskId) -> Response:
    user = require_user(request, site)
    lang = page_lang(request)
    c = slips.chase_slip(site, task_id=task_id, login=user.login, lang=lang)
    return attachment(pdf_doc.chase_slip_pdf(c), PDF, f"{'Chase slip' if lang == 'en' else '催办单'} {c['serial']}.pdf",
                 f"duban-chase-slip-{task_id}.pdf")


def _bulletin(request: Request, site: SiteDep) -> dict:
    user = require_user(request, site)
    f, values = read_filters(request, site)
    period = values.get("period")
    kind = period if period in KINDS else (None if period or f.since or f.until else "week")
    return bulletin.build(site, login=user.login, filters=f, kind=kind, lang=page_lang(request))


@router.get("/board/bulletin.docx")
def bulletin_word(request: Request, site: SiteDep) -> Response:
    b = _bulletin(request, site)
    return attachment(word_doc.bulletin_docx(b), DOCX, *file_names(b, "docx"))


@router.get("/board/bulletin.pdf")
def bulletin_paper(request: Request, site: SiteDep) -> Response:
    b = _bulletin(request, site)
    return attachment(pdf_doc.bulletin_pdf(b), PDF, *file_names(b, "pdf"))


SentId = Annotated[int, Path(ge=1, le=MAX_ID, description="sent bulletin id")]


@router.get("/board/bulletins/{bulletin_id}.pdf")
def sent_paper(request: Request, site: SiteDep, bulletin_id: SentId) -> Response:
    """A sent bulletin as it was sent (the link in its notification)."""
    user = require_user(request, site)
    m = bulletin.sent_model(site, login=user.login, bulletin_id=bulletin_id, lang=page_lang(request))
    return attachment(pdf_doc.bulletin_pdf(m), PDF, *file_names(m, "pdf"))


@router.get("/board/bulletins/{bulletin_id}.docx")
def sent_word(request: Request, site: SiteDep, bulletin_id: SentId) -> Response:
    user = require_user(request, site)
    m = bulletin.sent_model(site, login=user.login, bulletin_id=bulletin_id, lang=page_lang(request))
    return attachment(word_doc.bulletin_docx(m), DOCX, *file_names(m, "docx"))
