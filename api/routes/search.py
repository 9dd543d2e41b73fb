"""Search (检索): the items the caller may see that a query finds, with where each matched."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api import views
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS, PAGED, PageNo, set_page_headers
from api.schemas.search import SearchPage
from engine.core.fields import YEARS_SHOWN
from engine.core.search import MAX_QUERY
from engine.reads import search as searching

SEARCH_Q = (f"at most {MAX_QUERY} characters: any two or more characters of a title, instruction, sender, document "
            "number, report, opinion, comment or attachment (name or text inside), a single character, a word; "
            "several words separated by spaces must all occur in one text; a serial number as printed "
            "(督〔2026〕15号) or typed 督2026-15 or 15号")

router = APIRouter(prefix="/search", tags=["search"], responses={401: ERRORS[401], 422: ERRORS[422]})


@router.get("", response_model=SearchPage, responses={200: PAGED})
def search(user: CurrentUser, site: SiteDep, lang: LangDep, request: Request, response: Response,
           q: Annotated[str, Query(max_length=MAX_QUERY, description=SEARCH_Q)] = "",
           definition: Annotated[str | None, Query(max_length=64)] = None,
           state: Literal["running", "completed", "cancelled", "archived"] | None = None,
           unit: Annotated[str | None, Query(max_length=64, description="lead or co-handling unit")] = None,
           since: Annotated[date | None, Query(description="registered on or after (YYYY-MM-DD)")] = None,
           until: Annotated[date | None, Query(description="registered on or before (YYYY-MM-DD)")] = None,
           page: PageNo = 1,
           per_page: Annotated[int, Query(ge=1, le=searching.MAX_PAGE_SIZE, description=(
               f"results a page, at most {searching.MAX_PAGE_SIZE}"))] = searching.PAGE_SIZE):
    """Search everything the caller may see, best first: items whose serial number the query is, then hits in a
    title, then in the other texts; newest first within each. An item the caller may not see (a confidential one
    they have no part in) is neither listed nor counted. With no `q`: the filters alone, newest first."""
    for name, d in (("since", since), ("until", until)):
        if d is not None:
            YEARS_SHOWN.check(d, name)
    found = searching.search(site, login=user.login, q=views.no_nul(q, "q"), definition=definition, state=state,
                             unit=unit, since=since, until=until, page=page, page_size=per_page, lang=lang)
    set_page_headers(response, request, page=page, per_page=per_page, total=found["total"])
    return found
