"""Routers of /api/v1, one module per resource; the error responses they declare, and the paging they share:
`page` and `per_page` (at most MAX_PER_PAGE) in, the total in `X-Total-Count` and RFC 8288 `Link` headers out."""
from __future__ import annotations

import math
from typing import Annotated

from fastapi import Query, Request, Response

from api.schemas.common import ErrorBody

ERRORS = {s: {"model": ErrorBody, "description": d} for s, d in (
    (401, "not signed in, or the token expired or was revoked"), (403, "the caller may not do this"),
    (404, "no such thing, or the caller may not see it"), (409, "someone else changed it first"),
    (422, "bad input; `details.fields` names the fields"))}

MAX_PER_PAGE = 200
PageNo = Annotated[int, Query(ge=1, le=1_000_000, description="page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"entries a page, at most {MAX_PER_PAGE}")]
PAGED = {"description": "one page; follow the `Link` header's rel=\"next\" until there is none", "headers": {
    "X-Total-Count": {"description": "how many entries there are in all pages", "schema": {"type": "integer"}},
    "Link": {"description": 'RFC 8288 links to the `first`, `prev`, `next` and `last` pages, e.g. '
             '`</api/v1/me/tasks?page=2&per_page=50>; rel="next"`', "schema": {"type": "string"}}}}


def page_links(request: Request, *, page: int, per_page: int, total: int) -> dict[str, str]:
    """The relations of one page to the others: first, prev, next, last (relative URLs, filters kept)."""
    last = max(1, math.ceil(total / per_page))

    def url(n: int) -> str:
        u = request.url.include_query_params(page=n, per_page=per_page)
        return f"{u.path}?{u.query}"

    links = {"first": url(1), "last": url(last)}
    if page > 1:
        links["prev"] = url(min(page - 1, last))
    if page < last:
        links["next"] = url(page + 1)
    return links


def set_page_headers(response: Response, request: Request, *, page: int, per_page: int, total: int) -> None:
    """X-Total-Count and Link on a paged answer."""
    links = page_links(request, page=page, per_page=per_page, total=total)
    response.headers["X-Total-Count"] = str(total)
    response.headers["Link"] = ", ".join(f'<{u}>; rel="{rel}"' for rel, u in links.items())
