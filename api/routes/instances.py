"""Items (instances): start one, list and filter what the caller may see, read one with tasks and timeline."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api import idempotency, views
from api.routes.search import MAX_QUERY, SEARCH_Q
from api.deps import AuthClockDep, CurrentUser, ItemId, LangDep, SiteDep
from api.routes import ERRORS, PAGED, PageNo, PerPage, set_page_headers
from api.schemas.brief import ItemBrief, ReturnMode
from api.schemas.items import ItemCreate, ItemPage, ItemPublic
from engine.core.fields import coerce
from engine.reads import brief, lists as listing, items as queries
from engine.runtime import permissions

router = APIRouter(prefix="/instances", tags=["instances"], responses={401: ERRORS[401], 422: ERRORS[422]})


@router.post("", response_model=ItemPublic, status_code=201, responses={403: ERRORS[403]})
def start_item(body: ItemCreate, user: CurrentUser, site: SiteDep, lang: LangDep, clock: AuthClockDep,
               response: Response,
               idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
               ret: ReturnMode = "full"):
    """Start (register) an item: leaders and clerks start directives, clerks incoming documents, admins anything.
    With an Idempotency-Key header a retried POST answers the first item instead of registering another.
    `?return=minimal` answers the item briefly (state, open tasks, link) instead of the whole item."""
    subject = views.no_nul(body.subject, "")
    minimal = ret == "minimal"

    def run() -> dict:
        item_id = permissions.start_item(site, body.definition, subject, user.login,
                                         tuple(coerce("attachments", body.attachments, "attachments")))
        if minimal:
            return brief.after_start(site, item_id=item_id, login=user.login)
        return queries.item_view(site, item_id, user.login, lang)

    if idempotency_key is None and not minimal:
        item = run()
        response.headers["Location"] = f"/api/v1/instances/{item['id']}"
        return item
    if idempotency_key is None:
        payload = jsonable_encoder(ItemBrief.model_validate(run()))
        return JSONResponse(payload, status_code=201, headers={"Location": f"/api/v1/instances/{payload['id']}"})
    fp = idempotency.fingerprint(start=body.definition, subject=subject,
                                 **({"attachments": body.attachments} if body.attachments else {}),
                                 **({"return": "minimal"} if minimal else {}))
    shape = ItemBrief if minimal else ItemPublic
    status, payload, replayed = idempotency.once(
        site, clock, key=idempotency_key, person=user.login, fp=fp, status=201,
        run=lambda: jsonable_encoder(shape.model_validate(run())))
    return JSONResponse(payload, status_code=status, headers={
        "Location": f"/api/v1/instances/{payload['id']}", "Idempotent-Replayed": "true" if replayed else "false"})


@router.get("", response_model=ItemPage, responses={200: PAGED})
def list_items(user: CurrentUser, site: SiteDep, lang: LangDep, request: Request, response: Response,
               definition: Annotated[str | None, Query(max_length=64)] = None,
               state: Literal["running", "completed", "cancelled", "archived"] | None = None,
               unit: Annotated[str | None, Query(max_length=64, description="lead or co-handling unit")] = None,
               overdue: bool | None = None,
               q: Annotated[str | None, Query(max_length=MAX_QUERY, description=SEARCH_Q)] = None,
               parent: Annotated[int | None, Query(ge=1, le=2**31 - 1,
                                                   description="the parts of this item (任务分解)")] = None,
               page: PageNo = 1, per_page: PerPage = listing.PAGE_SIZE):
    """The items the caller may see, newest first, `per_page` (50 unless asked) a page, with the total (also in
    `X-Total-Count`; the other pages in `Link`)."""
    found = listing.list_items(site, login=user.login, definition=definition, state=state, unit=unit,
                               overdue=overdue, q=views.no_nul(q, "q"), page=page, page_size=per_page, lang=lang,
                               parent=parent)
    set_page_headers(response, request, page=page, per_page=per_page, total=found["total"])
    return found


@router.get("/{item_id}", response_model=ItemPublic, responses={404: ERRORS[404]})
def get_item(item_id: ItemId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """One item with its tasks (and the caller's actions on each), entries and timeline."""
    return queries.item_view(site, item_id, user.login, lang)
