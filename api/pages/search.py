"""The search page (/search, 检索): the header's search box lands here; results with highlighted snippets, filters
by kind, state, unit and registration dates, paged. The same engine call as GET /api/v1/search."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import Request

from api.pages.base import SiteDep, router
from api.pages.render import page
from api.pages.session import page_lang, require_user
from api.pages.supervise import choices
from api.pages.words import Translator
from engine.core.fields import YEARS_SHOWN
from engine.core.search import MAX_QUERY
from engine.core.states import ITEM_STATE_LABELS, DubanError
from engine.reads import search as searching

KEYS = ("q", "definition", "state", "unit", "since", "until")


def _date(text: str) -> date | None:
    try:
        d = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return d if d is not None and YEARS_SHOWN.has_year(d.year) else None


@router.get("/search")
def search_page(request: Request, site: SiteDep):
    user = require_user(request, site)
    lang = page_lang(request)
    v = {k: request.query_params.get(k, "").replace("\x00", "").strip() for k in KEYS}
    v["state"] = v["state"] if v["state"] in {s.value for s in ITEM_STATE_LABELS} else ""
    v["unit"] = v["unit"] if v["unit"] in site.org.units else ""
    v["definition"] = v["definition"] if v["definition"] in site.definitions() else ""
    since, until = _date(v["since"]), _date(v["until"])
    v["since"], v["until"] = (since.isoformat() if since else ""), (until.isoformat() if until else "")
    number = request.query_params.get("page", "1")
    number = int(number) if number.isdigit() and len(number) < 6 else 1
    found, error = None, None
    if any(v[k] for k in KEYS):
        try:
            found = searching.search(site, login=user.login, q=v["q"][:MAX_QUERY + 1],
                                     definition=v["definition"] or None, state=v["state"] or None,
                                     unit=v["unit"] or None, since=since, until=until, page=number, lang=lang)
        except DubanError as e:
            error = e.message(lang)
    pages = 0 if found is None else max(1, -(-found["total"] // found["page_size"]))

    def page_url(n: int) -> str:
        return "/search?" + urlencode({**{k: x for k, x in v.items() if x}, "page": n})

    return page(request, site, "search.html", user=user, title=Translator(lang)("search"), search_q=v["q"],
                values=v, choices=choices(site, lang), found=found, error=error, pages=pages, page_url=page_url)
