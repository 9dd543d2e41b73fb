"""Pages of daily work: my tasks (open, overdue, done) with their actions, taking an action from a form, the
item page (tasks, timeline, diagram) and the notifications. Every read and write is the API's engine call."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from api import views
from api.deps import MAX_ID, ItemId, NotificationId, TaskId
from api.errors import status_of
from api.pages import appraise, diagram
from api.pages.base import Form, SiteDep, router, with_actions
from api.pages.forms import FormError, form_error, options, subject_rows
from api.pages.render import Fmt, flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.words import Translator
from engine.reads import lists as listing, items as queries
from engine.runtime import permissions
from engine.runtime.site import Site
from engine.core.states import DubanError, NotFound
from engine.reads.diagram import mermaid
from engine.core.search import MAX_QUERY

TABS = ("open", "overdue", "done")
PER_PAGE = 50  # tasks a page on 我的待办
NOT_DATA = ("csrf", "version", "back")


# ------------------------------------------------------------------ my tasks
@router.get("/")
def home(request: Request, site: SiteDep):
    require_user(request, site)
    return RedirectResponse("/tasks", status_code=303)


@router.get("/tasks")
def my_tasks(request: Request, site: SiteDep, tab: str = "open", page: str = "1", q: str = ""):
    user = require_user(request, site)
    return tasks_page(request, site, user, tab if tab in TABS else "open",
                      page_no=int(page) if page.isdigit() and len(page) < 8 else 1,
                      q=q.replace("\x00", "").strip()[:MAX_QUERY])


def tasks_page(request: Request, site: Site, user: PageUser, tab: str, error: FormError | None = None,
               page_no: int = 1, q: str = ""):
    """我的待办: one tab, PER_PAGE tasks a page, with the tab's count and links to the other pages; with `q`,
    only the tasks of the items search finds for it."""
    lang = page_lang(request)
    counts = {"open": None, "overdue": None, "done": None}
    for key in dict.fromkeys((tab, "open", "overdue")):
        counts[key] = queries.count_my_tasks(site, user.login, key, q=q or None)
    pages = max(1, -(-counts[tab] // PER_PAGE))
    current = min(max(1, page_no), pages)
    tasks = queries.my_tasks(site, user.login, tab, lang, limit=PER_PAGE, offset=(current - 1) * PER_PAGE,
                             q=q or None)
    t = Translator(lang)
    tasks = with_actions(site, tasks, lang)
    shown = (((current - 1) * PER_PAGE + 1) if tasks else 0, (current - 1) * PER_PAGE + len(tasks))
    return page(request, site, "tasks.html", user=user, status=error.status if error else 200,
                title=t("nav_tasks"), tab=tab, tasks=tasks, counts=counts, page_no=current, pages=pages,
                shown=shown, form_error=error.place(tasks) if error else None, opts=options(site, lang), q=q,
                q_part=f"&q={quote(q)}" if q else "")


# ------------------------------------------------------------------ acting
@router.post("/tasks/{task_id}/act/{action}")
def act(request: Request, site: SiteDep, task_id: TaskId, action: str, form: Form):
    """Take an action with the form's fields, as the API does (permissions.act_as); on refusal, show the
    page again with the engine's message beside the field it names."""
    user = require_user(request, site)
    back = str(form.get("back", "tasks:open"))
    data: dict = {}
    for key in dict.fromkeys(form.keys()):
        if key not in NOT_DATA:
            values = [str(v) for v in form.getlist(key)]
            data[key] = values if len(values) > 1 else values[0]
    version = str(form.get("version", ""))
    try:
        views.no_nul(data, "")
        done = permissions.act_as(site, task_id, action, user.login, data,
                                  expected_version=int(version) if version.isdigit() else None)
    except DubanError as e:
        error = form_error(e, page_lang(request), data, task=task_id, action=action, status=status_of(e))
        kind, _, arg = back.partition(":")
        if kind == "item" and arg.isdigit() and int(arg) <= MAX_ID:
            return item_page(request, site, user, int(arg), error)
        if kind == "appraisal":
            return appraise.show_again(request, site, user, back, error)
        return tasks_page(request, site, user, arg if arg in TABS else "open", error)
    kind, _, arg = back.partition(":")
    if kind == "appraisal":
        target = appraise.back_to(back)
    else:
        target = f"/items/{done.instance_id}" if kind == "item" else f"/tasks?tab={arg if arg in TABS else 'open'}"
    return flash(RedirectResponse(target, status_code=303), f"done.{action}")


# ------------------------------------------------------------------ an item
@router.get("/items/{item_id}")
def item(request: Request, site: SiteDep, item_id: ItemId):
    user = require_user(request, site)
    return item_page(request, site, user, item_id)


def item_page(request: Request, site: Site, user: PageUser, item_id: int, error: FormError | None = None):
    lang = page_lang(request)
    t = Translator(lang)
    view = queries.item_view(site, item_id, user.login, lang)  # NotFound for an item one may not see
    defn = site.definition(view["definition"], view["definition_version"])
    fmt = Fmt(site, lang, t)
    visited = {x["step"] for x in view["tasks"]}
    svg = diagram.svg(defn, lang, current=view["current_step"], visited=visited)
    tasks = with_actions(site, view["tasks"], lang)
    return page(request, site, "item.html", user=user, status=error.status if error else 200,
                title=f"{view['serial']} {view['title']}", item=view, defn=defn,
                definition_title=defn.title.text(lang), tasks=tasks,
                subject=subject_rows(site, defn, view["subject"], fmt, t), diagram=Markup(svg),
                mermaid=_mermaid(defn, lang, view["current_step"]), form_error=error.place(tasks) if error else None,
                opts=options(site, lang))


def _mermaid(defn, lang: str, current: str | None) -> str:  # noqa: ANN001
    try:
        return mermaid(defn, lang, current=current)
    except Exception:  # noqa: BLE001 - the picture is drawn without it
        return ""


# ------------------------------------------------------------------ notifications
@router.get("/notifications")
def notifications(request: Request, site: SiteDep):
    user = require_user(request, site)
    lang = page_lang(request)
    notes = listing.notifications(site, login=user.login, lang=lang)
    return page(request, site, "notifications.html", user=user, title=Translator(lang)("nav_notifications"),
                notes=notes)


@router.post("/notifications/{note_id}/read")
def read_one(request: Request, site: SiteDep, note_id: NotificationId, form: Form):
    user = require_user(request, site)
    note = listing.mark_read(site, login=user.login, notification_id=note_id, lang=page_lang(request))
    target = f"/items/{note['instance_id']}" if form.get("open") and note["instance_id"] else "/notifications"
    return RedirectResponse(target, status_code=303)


@router.post("/notifications/read-all")
def read_all(request: Request, site: SiteDep, form: Form):
    user = require_user(request, site)
    for note in listing.notifications(site, login=user.login, unread_only=True):
        try:
            listing.mark_read(site, login=user.login, notification_id=note["id"])
        except NotFound:
            pass
    return flash(RedirectResponse("/notifications", status_code=303), "read_all")
