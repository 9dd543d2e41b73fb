"""The signed-in person: who they are, the tasks in front of them, their proxies while on leave (代理), their
password, and how they want their messages."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from api import views
from api.deps import MAX_ID, CurrentUser, LangDep, SiteDep
from api.routes import ERRORS, PAGED, PageNo, PerPage, set_page_headers
from api.routes.search import MAX_QUERY, SEARCH_Q
from api.schemas.me import MePublic, PasswordChange, PasswordChanged, PreferencesIn, PreferencesPublic
from api.schemas.proxies import LOGIN, ProxiesPublic, ProxyCreate, ProxyPublic
from api.schemas.tasks import TaskPublic, TaskRow
from engine.reads import lists as listing
from engine.runtime import people, preferences as prefs, proxies

TASKS_PER_PAGE = 50  # a page of 我的待办 unless `per_page` says otherwise (at most 200)
router = APIRouter(prefix="/me", tags=["me"], responses={401: ERRORS[401]})


@router.get("", response_model=MePublic)
def me(user: CurrentUser, site: SiteDep):
    """Person, unit and roles (with Chinese and English labels), and what they may start."""
    return views.profile(site, user.actor) | {"must_change_password": site.must_change_password(user.login)}


@router.post("/password", response_model=PasswordChanged, responses={422: ERRORS[422]})
def change_password(body: PasswordChange, user: CurrentUser, site: SiteDep):
    """Change one's own password (`current`, then `new`: at least 10 characters, at most 256, neither the login
    nor containing it, not a common password). Clears a forced change after an administrator set the password."""
    people.change_own_password(site, login=user.login, current=body.current, new=body.new)
    return {"changed": True}


FULL = TypeAdapter(list[TaskPublic])
DONE_PAGED = {"description": "one page; follow the `Link` header's rel=\"next\" until there is none. The open and "
              "overdue tabs are paged by `page` and give X-Total-Count (and rel=\"last\") only on their last page: "
              "before it the total is not counted (\"50+\"), which keeps a long queue's first page as quick as a "
              "short one's. The 已办 tab (`state=done`) is paged by `cursor` (newest closed first) and has no "
              "X-Total-Count", "headers": {
                  **PAGED["headers"], "Link": {"description": PAGED["headers"]["Link"]["description"] + "; for "
                                               "`state=done` only `first` and `next` (with a `cursor`)",
                                               "schema": {"type": "string"}}}}


@router.get("/tasks", response_model=list[TaskRow], responses={200: DONE_PAGED, 422: ERRORS[422]})
def my_tasks(user: CurrentUser, site: SiteDep, lang: LangDep, request: Request, response: Response,
             state: Literal["open", "overdue", "done"] = "open", page: PageNo = 1, per_page: PerPage = TASKS_PER_PAGE,
             q: Annotated[str | None, Query(max_length=MAX_QUERY, description=SEARCH_Q)] = None,
             cursor: Annotated[str | None, Query(max_length=listing.MAX_CURSOR, description=(
                 "`state=done` only: where the next page starts (from the previous page's `Link` rel=\"next\")"))]
             = None,
             view: Annotated[Literal["lean", "full"], Query(description=(
                 "`lean` (the default): the cards' rows (TaskRow); `full`: every task with all its actions and "
                 "their fields (TaskPublic, as GET /tasks/{id})"))] = "lean"):
    """The caller's tasks (a unit head also sees the unit's), as 我的待办's cards show them: soonest due first
    (overdue first, then the most urgent), `per_page` a page (50 unless asked, at most 200), the other pages in
    `Link` and, on the last page, the total in `X-Total-Count` (before it, rel="next" says there are more); each
    row names the one or two primary actions, the full task is `links.self`. The 已办 tab (`state=done`) is newest
    closed first, paged by `cursor`. With `q`: only the tasks of the items search finds for it (GET /search)."""
    q = views.no_nul(q, "q") or None
    full = view == "full"
    if state == "done":
        rows, nxt, *_ = listing.task_rows(site, login=user.login, state="done", lang=lang, limit=per_page, q=q,
                                         cursor=views.no_nul(cursor, "cursor"), full=full)
        response.headers["Link"] = done_links(request, per_page=per_page, cursor=nxt)
    else:  # a page of the queue read in its order; the total only when this page reaches the end
        rows, _, total, _ = listing.task_rows(site, login=user.login, state=state, lang=lang, limit=per_page,
                                           offset=(page - 1) * per_page, q=q, full=full, counted=False)
        if total is not None:
            set_page_headers(response, request, page=page, per_page=per_page, total=total)
        else:
            response.headers["Link"] = open_links(request, page=page, per_page=per_page, more=bool(rows))
    if full:
        return JSONResponse(FULL.dump_python(FULL.validate_python(rows), mode="json"), headers=dict(response.headers))
    return rows


def open_links(request: Request, *, page: int, per_page: int, more: bool) -> str:
    """The open tabs' Link header before their last page (the total is not counted): first, prev and next."""
    def url(n: int) -> str:
        u = request.url.include_query_params(page=n, per_page=per_page)
        return f"{u.path}?{u.query}"
    links = {"first": url(1)} | ({"prev": url(page - 1)} if page > 1 else {})
    links |= {"next": url(page + 1)} if more else {}
    return ", ".join(f'<{u}>; rel="{rel}"' for rel, u in links.items())


def done_links(request: Request, *, per_page: int, cursor: str | None) -> str:
    """The 已办 tab's Link header: the first page, and the next one while there is one (by its cursor)."""
    def url(**kw: str | int) -> str:
        u = request.url.remove_query_params(["cursor", "page"]).include_query_params(per_page=per_page, **kw)
        return f"{u.path}?{u.query}"
    links = {"first": url()} | ({"next": url(cursor=cursor)} if cursor else {})
    return ", ".join(f'<{u}>; rel="{rel}"' for rel, u in links.items())


# ------------------------------------------------------------------ proxies while on leave (代理)
ProxyId = Annotated[int, Path(ge=1, le=MAX_ID, description="proxy id")]


@router.post("/proxies", response_model=ProxyPublic, status_code=201, response_model_by_alias=True,
             responses={403: ERRORS[403], 409: ERRORS[409], 422: ERRORS[422]})
def give_proxy(body: ProxyCreate, user: CurrentUser, site: SiteDep, lang: LangDep):
    """Name a proxy (代理人) for a period of leave: during it, your open and new tasks appear in their 我的待办
    marked 代, they may act on them ("张三（代李四）" in the timeline), see the items those tasks belong to, and
    receive your chases and escalations as well as you. An administrator names one for someone else with
    `for`. Refused: yourself, an unknown or disabled person, until before from, a period over a year, a note
    over 500 characters (422); a period overlapping another proxy of the same person (409)."""
    return proxies.give(site, by=user.login, to=body.to, starts=body.starts, until=body.until, note=body.note,
                        principal=body.for_, lang=lang)


@router.get("/proxies", response_model=ProxiesPublic, response_model_by_alias=True, responses={403: ERRORS[403]})
def list_proxies(user: CurrentUser, site: SiteDep, lang: LangDep,
                 for_: Annotated[str | None, Query(alias="for", **LOGIN,
                                                   description="administrators: someone else's")] = None):
    """The proxies you gave (while you are away) and received (you act for someone), newest first."""
    return proxies.listing(site, by=user.login, of=for_, lang=lang)


@router.delete("/proxies/{proxy_id}", response_model=ProxyPublic, response_model_by_alias=True,
               responses={404: ERRORS[404], 403: ERRORS[403]})
def revoke_proxy(proxy_id: ProxyId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """Revoke a proxy (it ends now; kept in the record): its principal, its proxy, whoever gave it, or an
    administrator. A proxy you are no part of answers 404; one already revoked 403."""
    return proxies.revoke(site, by=user.login, proxy_id=proxy_id, lang=lang)


@router.get("/preferences", response_model=PreferencesPublic)
def my_preferences(user: CurrentUser, site: SiteDep):
    """The caller's preferred message channel and digest choice, and which work apps know them."""
    return prefs.preferences(site, user.login)


@router.patch("/preferences", response_model=PreferencesPublic, responses={422: ERRORS[422]})
def change_preferences(body: PreferencesIn, user: CurrentUser, site: SiteDep):
    """Change the preferred channel (`inapp`, `mail`, `dingtalk`, `wecom`, or null for every channel) and/or the
    daily digest; only the fields sent change; audited. A person without a DingTalk or WeCom user id who prefers
    it gets the messages in their unit's channel, and the outbox row says so."""
    sent = body.model_fields_set
    kw = {}
    if "channel" in sent:
        kw["channel"] = body.channel
    if "digest" in sent and body.digest is not None:
        kw["digest"] = body.digest
    return prefs.set_preferences(site, user.login, **kw)
