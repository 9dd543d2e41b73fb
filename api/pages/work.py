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
from api.pages import appraise, diagram, splitform
from api.pages.base import Form, SiteDep, router, with_actions
from api.pages.forms import FormError, form_error, options, subject_rows
from api.pages.render import Fmt, flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.words import Translator
from engine.reads import checkpoints, lists as listing, items as queries
from engine.runtime import attachments as files, bulk, circulation, links, permissions
from engine.runtime.site import Site
from engine.core.states import DubanError, InputError, NotFound
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
def my_tasks(request: Request, site: SiteDep, tab: str = "open", page: str = "1", q: str = "", after: str = ""):
    user = require_user(request, site)
    return tasks_page(request, site, user, tab if tab in TABS else "open",
                      page_no=int(page) if page.isdigit() and len(page) < 8 else 1,
                      q=q.replace("\x00", "").strip()[:MAX_QUERY], after=after[:listing.MAX_CURSOR])


def tasks_page(request: Request, site: Site, user: PageUser, tab: str, error: FormError | None = None,
               page_no: int = 1, q: str = "", after: str = ""):
    """我的待办: one tab, PER_PAGE tasks a page, with the open and overdue counts and links to the other pages (the
    已办 tab: newest closed first, paged on by `after`, no count: it never reads a person's whole history); with
    `q`, only the tasks of the items search finds for it. The page's tasks, their items, lights and report prompts
    come from one read of the page's items (engine.reads.lists.task_rows)."""
    lang = page_lang(request)
    counts: dict[str, int | None] = {"open": None, "overdue": None, "done": None}
    nxt, items, current, pages = None, {}, 1, 1
    if tab == "done":
        try:
            tasks, nxt, *_ = listing.task_rows(site, login=user.login, state="done", lang=lang, limit=PER_PAGE,
                                               q=q or None, cursor=after or None, full=True)
        except InputError:  # a cursor from elsewhere: the newest page
            tasks, nxt, *_ = listing.task_rows(site, login=user.login, state="done", lang=lang, limit=PER_PAGE,
                                               q=q or None, full=True)
            after = ""
    else:  # the page and its tab's count in one pass over the queue; past the end, the last page
        current = max(1, page_no)
        while True:
            tasks, _, counts[tab], overdue = listing.task_rows(
                site, login=user.login, state=tab, lang=lang, limit=PER_PAGE, offset=(current - 1) * PER_PAGE,
                q=q or None, full=True, items_out=items)
            if tab == "open" and overdue is not None:  # the overdue tab's count came with the open page
                counts["overdue"] = overdue
            pages = max(1, -(-(counts[tab] or 0) // PER_PAGE))
            if tasks or current <= pages:
                break
            current = pages
    for key in ("open", "overdue"):
        if counts[key] is None:
            counts[key] = queries.count_my_tasks(site, user.login, key, q=q or None)
    t = Translator(lang)
    tasks = with_actions(site, tasks, lang)
    shown = (((current - 1) * PER_PAGE + 1) if tasks else 0, (current - 1) * PER_PAGE + len(tasks))
    return page(request, site, "tasks.html", user=user, status=error.status if error else 200,
                title=t("nav_tasks"), tab=tab, tasks=tasks, counts=counts, page_no=current, pages=pages,
                shown=shown, form_error=error.place(tasks) if error else None, opts=options(site, lang), q=q,
                q_part=f"&q={quote(q)}" if q else "", older=f"/tasks?tab=done&after={quote(nxt)}" + (f"&q={quote(q)}" if q else "") if nxt else None,
                newest="/tasks?tab=done" + (f"&q={quote(q)}" if q else "") if after else None,
                reports=checkpoints.report_prompts(site, tasks, site.clock.now(), items) if tab != "done" else [])


# ------------------------------------------------------------------ acting
BULK_ON_PAGE = ("accept", "read", "transfer")  # 签收, 已阅, 转办 from 我的待办 (the API takes engine.runtime.bulk's)


@router.post("/tasks/bulk")
def act_in_bulk(request: Request, site: SiteDep, form: Form):
    """我的待办's 批量办理: the chosen action on every ticked task, each on its own (engine.runtime.bulk); the page
    says how many were done and how many refused."""
    user = require_user(request, site)
    action = str(form.get("action", ""))
    ids = [int(v) for v in form.getlist("task") if str(v).isdigit() and int(v) <= MAX_ID]
    fields = {k: str(form.get(k, "")) for k in ("to", "reason")} if action == "transfer" else {}
    try:
        if action not in BULK_ON_PAGE:
            raise InputError("action", "请选择签收、已阅或转办", "choose sign for, mark read or transfer")
        views.no_nul(fields, "")
        results = bulk.act_on_each(site, action, user.login, ids[:bulk.MAX_BULK + 1], fields, lambda e: {})
    except DubanError as e:
        return tasks_page(request, site, user, "open", form_error(e, page_lang(request), fields, task=0,
                                                                   action=action, status=status_of(e)))
    done = sum(r["ok"] for r in results)
    return flash(RedirectResponse("/tasks?tab=open", status_code=303), f"bulk.{done}.{len(results) - done}.{action}")


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
    data = splitform.gather(data)  # 任务分解: the split form's rows as the action's `parts`
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
def item(request: Request, site: SiteDep, item_id: ItemId, task: str = "", ready: str = ""):
    """An item; `task` and `ready` (from a message's one-tap link) put that task's action ready to press."""
    user = require_user(request, site)
    wanted = (int(task), ready[:32]) if task.isdigit() and len(task) < 12 and ready else None
    return item_page(request, site, user, item_id, ready=wanted)


def item_page(request: Request, site: Site, user: PageUser, item_id: int, error: FormError | None = None,
              ready: tuple[int, str] | None = None):
    lang = page_lang(request)
    t = Translator(lang)
    view = queries.item_view(site, item_id, user.login, lang)  # NotFound for an item one may not see
    # a reader opening the item records 已阅, a holder that they opened it (audited, through the engine's write
    # path; once each)
    read = [task for task in circulation.unread(site, user.login, item_id) if circulation.mark_read(site, user.login, task)]
    if read or circulation.mark_opened(site, user.login, item_id):
        view = queries.item_view(site, item_id, user.login, lang)
    defn = site.definition(view["definition"], view["definition_version"])
    fmt = Fmt(site, lang, t)
    visited = {x["step"] for x in view["tasks"]}
    svg = diagram.svg(defn, lang, current=view["current_step"], visited=visited)
    tasks = with_actions(site, [x for x in view["tasks"] if x["kind"] != "cc"], lang)
    return page(request, site, "item.html", user=user, status=error.status if error else 200,
                ready=_ready(tasks, ready, t),
                title=f"{view['serial']} {view['title']}", item=view, defn=defn,
                definition_title=defn.title.text(lang), tasks=tasks,
                subject=subject_rows(site, defn, view["subject"], fmt, t), diagram=Markup(svg),
                mermaid=_mermaid(defn, lang, view["current_step"]), form_error=error.place(tasks) if error else None,
                opts=options(site, lang), removable=files.removable(site, item_id, user.login),
                may_upload=files.may_upload(site, item_id, user.login),
                milestones=checkpoints.states_of_view(site, view))


def _ready(tasks: list[dict], wanted: tuple[int, str] | None, t: Translator) -> dict | None:
    """The action a message's link suggests, if its reader may take it on that task now (a task not yet signed for
    is signed for first); "read" needs no button: opening the link recorded 已阅."""
    if wanted is None:
        return None
    task = next((x for x in tasks if x["id"] == wanted[0]), None)
    if task is None:
        return None
    action = links.suggested(wanted[1], task.get("state"))
    offered = {a["name"]: a["label"] for a in task["ui_actions"]}
    if action == "read":
        return {"task": task["id"], "action": "read", "label": t("link_action_read")}
    if action not in offered:
        return None
    return {"task": task["id"], "action": action, "label": offered[action]}


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
