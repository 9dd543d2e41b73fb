"""Items (instances): start one, list and filter what the caller may see, read one with tasks and timeline."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api import idempotency, views
from api.deps import AuthClockDep, CurrentUser, ItemId, LangDep, SiteDep
from api.routes import ERRORS
from api.schemas import ItemCreate, ItemPage, ItemPublic
from engine.reads import lists as listing, items as queries
from engine.runtime import permissions

router = APIRouter(prefix="/instances", tags=["instances"], responses={401: ERRORS[401], 422: ERRORS[422]})


@router.post("", response_model=ItemPublic, status_code=201, responses={403: ERRORS[403]})
def start_item(body: ItemCreate, user: CurrentUser, site: SiteDep, lang: LangDep, clock: AuthClockDep,
               response: Response,
               idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None):
    """Start (register) an item: leaders and clerks start directives, clerks incoming documents, admins anything.
    With an Idempotency-Key header a retried POST answers the first item instead of registering another."""
    subject = views.no_nul(body.subject, "")

    def run() -> dict:
        item_id = permissions.start_item(site, body.definition, subject, user.login)
        return queries.item_view(site, item_id, user.login, lang)

    if idempotency_key is None:
        item = run()
        response.headers["Location"] = f"/api/v1/instances/{item['id']}"
        return item
    fp = idempotency.fingerprint(start=body.definition, subject=subject)
    status, payload, replayed = idempotency.once(
        site, clock, key=idempotency_key, person=user.login, fp=fp, status=201,
        run=lambda: jsonable_encoder(ItemPublic.model_validate(run())))
    return JSONResponse(payload, status_code=status, headers={
        "Location": f"/api/v1/instances/{payload['id']}", "Idempotent-Replayed": "true" if replayed else "false"})


@router.get("", response_model=ItemPage)
def list_items(user: CurrentUser, site: SiteDep, lang: LangDep,
               definition: Annotated[str | None, Query(max_length=64)] = None,
               state: Literal["running", "completed", "cancelled", "archived"] | None = None,
               unit: Annotated[str | None, Query(max_length=64, description="lead or co-handling unit")] = None,
               overdue: bool | None = None,
               q: Annotated[str | None, Query(max_length=200, description="words in the title or serial")] = None,
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1):
    """The items the caller may see, newest first, 50 a page, with the total."""
    return listing.list_items(site, login=user.login, definition=definition, state=state, unit=unit,
                              overdue=overdue, q=views.no_nul(q, "q"), page=page, lang=lang)


@router.get("/{item_id}", response_model=ItemPublic, responses={404: ERRORS[404]})
def get_item(item_id: ItemId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """One item with its tasks (and the caller's actions on each), entries and timeline."""
    return queries.item_view(site, item_id, user.login, lang)
