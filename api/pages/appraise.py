"""Appraisal pages (考核): the cycles, one cycle with the person's own appraisal tasks (self-assessment, ratings,
peer review, confirming or appealing a result, deciding an appeal) and the results they may see with a chart
of scores by unit, one person's explained result with its evidence, and calibration against the quotas.
Reads are engine.appraisal.views (as /api/v1/appraisal); the forms are the cycle's ordinary task actions."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from api.deps import MAX_ID, CycleId, TaskId
from api.errors import status_of
from api.pages import charts
from api.pages.forms import FormError, form_error, options
from api.pages.render import flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.base import Form, SiteDep, router, with_actions
from api.pages.words import Translator
from engine.reads import items as queries
from engine.appraisal import views
from engine.appraisal.periods import parse_period
from engine.appraisal.schemes import METRIC_NAMES, RELATION_LABELS
from engine.appraisal.trigger import start_cycle
from engine.runtime.site import Site
from engine.core.states import Conflict, DubanError, NotFound
from engine.core import policy
from engine.core.actions.catalogue import BYSTANDER_ACTIONS

PASSIVE = frozenset(BYSTANDER_ACTIONS)  # actions anyone involved has: not appraisal work


def my_tasks(site: Site, user: PageUser, instance_id: int, lang: str, *, ratee: str | None = None) -> list[dict]:
    """The person's open tasks in the cycle's item that ask something of them (as the engine lists them)."""
    try:
        view = queries.item_view(site, instance_id, user.login, lang)
    except NotFound:
        return []
    mine = [t for t in view["tasks"] if t["state"] in ("pending", "active")
            and {a["name"] for a in t["actions"]} - PASSIVE and (ratee is None or t["data"].get("ratee") == ratee)]
    for t in mine:
        t["actions"] = [a for a in t["actions"] if a["name"] not in PASSIVE]
        rel = t["data"].get("relation")
        t["relation"] = RELATION_LABELS.get(rel, (rel, rel))[lang == "en"] if rel else ""
        t["ratee"] = t["data"].get("ratee")
    return with_actions(site, mine, lang)


# ------------------------------------------------------------------ cycles
@router.get("/appraisal")
def cycles(request: Request, site: SiteDep):
    user = require_user(request, site)
    return cycles_page(request, site, user, None)


def cycles_page(request: Request, site: Site, user: PageUser, error: FormError | None):
    t = Translator(page_lang(request))
    return page(request, site, "appraisal_cycles.html", user=user, status=error.status if error else 200,
                title=t("nav_appraisal"), cycles=views.list_cycles(site), may_start=views.may_start(user.actor),
                form_error=error)


@router.post("/appraisal")
def start(request: Request, site: SiteDep, form: Form):
    """Start a period's cycle by hand (office director, administrators), as POST /api/v1/appraisal/cycles."""
    user = require_user(request, site)
    text = str(form.get("period", "")).replace("\x00", "")[:16]
    try:
        views.require_starter(user.actor)
        period = parse_period(text)
        cycle_id, created = start_cycle(site, period.key, by=user.login)
        if not created:
            raise Conflict(f"period: {period.key} 的考核周期已存在", f"period: the {period.key} cycle exists already",
                           {"field": "period", "cycle": cycle_id})
    except DubanError as e:
        return cycles_page(request, site, user, form_error(e, page_lang(request), {"period": text},
                                                           action="start", status=status_of(e)))
    return flash(RedirectResponse(f"/appraisal/{cycle_id}", status_code=303), "cycle_started")


@router.get("/appraisal/{cycle_id}")
def cycle(request: Request, site: SiteDep, cycle_id: CycleId):
    return cycle_page(request, site, require_user(request, site), cycle_id)


def cycle_page(request: Request, site: Site, user: PageUser, cycle_id: int, error: FormError | None = None):
    lang = page_lang(request)
    t = Translator(lang)
    c = views.cycle_view(site, cycle_id)
    results = views.results(site, cycle_id, user.login)["results"]
    by_unit: dict[str, list] = {}
    for r in results:
        if r["score"] is not None:
            by_unit.setdefault(r["unit"], []).append((r["name"][lang], r["score"]))
    names = dict(options(site, lang)["units"])
    rows = [(names.get(u, u), by_unit[u]) for u in names if u in by_unit]
    chart = charts.strips(rows, label=t("chart_scores_by_unit"), mean=t("mean")) if rows else ""
    tasks = my_tasks(site, user, c["instance_id"], lang)
    return page(request, site, "appraisal_cycle.html", user=user, status=error.status if error else 200,
                title=f"{c['title']} · {c['period']}", c=c, results=results, chart=Markup(chart), tasks=tasks,
                may_calibrate=policy.may_calibrate(user.actor), opts=options(site, lang),
                form_error=error.place(tasks) if error else None, back=f"appraisal:{cycle_id}")


@router.get("/appraisal/{cycle_id}/people/{person}")
def result(request: Request, site: SiteDep, cycle_id: CycleId, person: str):
    return result_page(request, site, require_user(request, site), cycle_id, person)


def result_page(request: Request, site: Site, user: PageUser, cycle_id: int, person: str,
                error: FormError | None = None):
    lang = page_lang(request)
    r = views.result(site, cycle_id, person, user.login)  # NotFound for a result one may not see
    c = views.cycle_view(site, cycle_id)
    figures = [{"id": k, "label": METRIC_NAMES.get(k, (k, k))[lang == "en"], **v} for k, v in r["metrics"].items()]
    tasks = my_tasks(site, user, c["instance_id"], lang, ratee=person)
    return page(request, site, "appraisal_result.html", user=user, status=error.status if error else 200,
                title=f"{r['name'][lang]} · {c['period']}", r=r, c=c, figures=figures, tasks=tasks,
                form_error=error.place(tasks) if error else None, opts=options(site, lang),
                back=f"appraisal:{cycle_id}:{person}")


@router.get("/appraisal/{cycle_id}/calibration")
def calibration(request: Request, site: SiteDep, cycle_id: CycleId):
    return calibration_page(request, site, require_user(request, site), cycle_id)


def calibration_page(request: Request, site: Site, user: PageUser, cycle_id: int, error: FormError | None = None):
    lang = page_lang(request)
    cal = views.calibration(site, cycle_id, user.login)  # NotAllowed unless a calibrator, leader or auditor
    c = views.cycle_view(site, cycle_id)
    opts = options(site, lang)
    people = sorted({p for d in cal["distribution"] for b in d["bands"] for p in b["people"]})
    bands = list(dict.fromkeys(b["id"] for d in cal["distribution"] for b in d["bands"]))
    opts["lists"] = {"person": people, "band": bands}
    tasks = [x for x in my_tasks(site, user, c["instance_id"], lang) if x["step"] == "calibrate"]
    return page(request, site, "appraisal_calibration.html", user=user, status=error.status if error else 200,
                title=Translator(lang)("calibration"), cal=cal, c=c, tasks=tasks,
                form_error=error.place(tasks) if error else None, opts=opts, back=f"appraisal:{cycle_id}:calibration")


# ------------------------------------------------------------------ evidence
@router.get("/tasks/{task_id}")
def task(request: Request, site: SiteDep, task_id: TaskId):
    """A task's item (evidence links), if the person may see it; a task of an item hidden from them leads to the
    same "no such item" page as a task that does not exist (the redirect names no item id)."""
    user = require_user(request, site)
    item_id = queries.item_of_visible_task(site, task_id, user.login) or 0
    return RedirectResponse(f"/items/{item_id}#task-{task_id}", status_code=303)


def back_to(back: str) -> str:
    """Where an appraisal form returns: `appraisal:<cycle>`, `appraisal:<cycle>:<person>` or `…:calibration`."""
    _, _, rest = back.partition(":")
    cycle_id, _, person = rest.partition(":")
    if not cycle_id.isdigit():
        return "/appraisal"
    if not person:
        return f"/appraisal/{cycle_id}"
    return f"/appraisal/{cycle_id}/calibration" if person == "calibration" else \
        f"/appraisal/{cycle_id}/people/{quote(person, safe='')}"


def show_again(request: Request, site: Site, user: PageUser, back: str, error: FormError):
    """The appraisal page a refused form came from, with the engine's message beside the field."""
    _, _, rest = back.partition(":")
    cycle_id, _, person = rest.partition(":")
    if not cycle_id.isdigit() or int(cycle_id) > MAX_ID:
        return cycles_page(request, site, user, error)
    if not person:
        return cycle_page(request, site, user, int(cycle_id), error)
    if person == "calibration":
        return calibration_page(request, site, user, int(cycle_id), error)
    return result_page(request, site, user, int(cycle_id), person, error)
