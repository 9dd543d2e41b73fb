"""The supervision board (督办看板) with bulk chasing, and the ledger (督办台账) page with its XLSX and CSV
downloads: the engine's read models (engine.supervision) drawn as tiles, SVG charts and tables."""
from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from api.deps import MAX_ID
from api.errors import status_of
from api.pages import charts
from api.pages.forms import FormError, form_error, options
from api.pages.render import Fmt, flash, page
from api.pages.session import PageUser, page_lang, require_user
from api.pages.base import Form, SiteDep, router, with_actions
from api.pages.words import Translator
from api.ledger_files import csv_response, xlsx_response
from api.routes.supervision import export_name, exported_at, make_filters
from engine.reads import supervision
from engine.runtime.site import Site
from engine.core.states import ITEM_STATE_LABELS, DubanError
from engine.core import lights as lights_rule
from engine.reads import lights
from engine.reads.supervision import Filters

FILTER_KEYS = ("unit", "definition", "state", "overdue", "period", "since", "until", "q", "level", "light")
UPCOMING_SHOWN = 20  # the board's "due soon" list shows this many, and links to the rest


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_filters(request: Request, site: Site) -> tuple[Filters, dict]:
    """The filters in the query string (unknown values ignored) and the values to show in the form."""
    p = {k: request.query_params.get(k, "").strip()[:200] for k in FILTER_KEYS}
    states = {s.value for s in ITEM_STATE_LABELS}
    p["state"] = p["state"] if p["state"] in states else ""
    p["period"] = p["period"] if p["period"] in supervision.PERIODS else ""
    p["overdue"] = p["overdue"] if p["overdue"] in ("yes", "no") else ""
    p["unit"] = p["unit"] if p["unit"] in site.org.units else ""
    p["level"] = p["level"] if p["level"] in lights.LEVELS else ""
    p["light"] = p["light"] if p["light"] in lights.LIGHTS else ""
    p["definition"] = p["definition"] if p["definition"] in site.definitions() else ""
    since, until = _date(p["since"]), _date(p["until"])
    p["since"], p["until"] = (since.isoformat() if since else ""), (until.isoformat() if until else "")
    f = make_filters(site, unit=p["unit"], definition=p["definition"], state=p["state"],
                     overdue={"yes": True, "no": False}.get(p["overdue"]), period=p["period"], since=since,
                     until=until, q=p["q"].replace("\x00", ""), level=p["level"], light=p["light"])
    return f, p


def choices(site: Site, lang: str) -> dict:
    t = Translator(lang)
    return {"units": options(site, lang)["units"],
            "definitions": [(k, d.title.text(lang)) for k, d in site.definitions().items()],
            "states": [(s.value, en if lang == "en" else zh) for s, (zh, en) in ITEM_STATE_LABELS.items()],
            "periods": [(p, t(f"period_{p}")) for p in supervision.PERIODS if p != "all"],
            "overdue": [("yes", t("overdue_only")), ("no", t("not_overdue"))],
            "levels": [(k, lights.level_label(k, lang)) for k in lights.LEVELS],
            "lights": [(k, lights_rule.label(k, lang)) for k in lights.LIGHTS]}


def _query(values: dict, keep: tuple[str, ...] = FILTER_KEYS) -> str:
    return urlencode({k: v for k, v in values.items() if v and k in keep})


# ------------------------------------------------------------------ the board
@router.get("/board")
def board(request: Request, site: SiteDep):
    user = require_user(request, site)
    return board_page(request, site, user)


def board_page(request: Request, site: Site, user: PageUser, result: dict | None = None,
               error: FormError | None = None):
    lang = page_lang(request)
    t = Translator(lang)
    f, values = read_filters(request, site)
    group = request.query_params.get("group_by", "")
    group = group if group in ("leader", "source", "level") else "unit"  # the board's grouping choice
    values["group_by"] = "" if group == "unit" else group
    s = supervision.summary(site, login=user.login, filters=f, lang=lang, group_by=group)
    overdue = with_actions(site, supervision.overdue_tasks(site, login=user.login, filters=f, lang=lang), lang)
    fmt = Fmt(site, lang, t)
    units = s["by_unit"]
    every_upcoming = request.query_params.get("upcoming") == "all"
    upcoming = s["upcoming"] if every_upcoming else s["upcoming"][:UPCOMING_SHOWN]
    svg = {
        "overdue": charts.hbars([(u["name"], u["overdue"], str(u["overdue"])) for u in units],
                                label=t("chart_overdue_by_unit"), cls="overdue-by-unit"),
        "rates": charts.rates([(u["name"], u["rate"], fmt.pct(u["rate"]) if u["rate"] is not None else t("no_data"))
                               for u in units], label=t("chart_on_time")),
        "weekly": charts.weekly(s["weeks"], label=t("chart_weekly"), completed=t("series_completed"),
                                overdue=t("series_overdue")),
    }
    return page(request, site, "board.html", user=user, status=error.status if error else 200,
                title=t("nav_board"), s=s, overdue=overdue, charts={k: Markup(v) for k, v in svg.items()},
                upcoming=upcoming, upcoming_total=len(s["upcoming"]),
                values=values, choices=choices(site, lang) | {"group_by": [(g, t(f"group_{g}")) for g in
                                                                  ("leader", "source", "level")]},
                query=_query(values), result=result,
                form_error=error, chase_default=t("chase_default"))


@router.post("/board/chase")
def bulk_chase(request: Request, site: SiteDep, form: Form):
    """Chase every selected overdue task (each with the single chase's rules); refusals are listed."""
    user = require_user(request, site)
    ids = [int(x) for x in form.getlist("task") if str(x).isdigit() and int(x) <= MAX_ID]  # others: no such task
    message = str(form.get("message", "")).replace("\x00", "").strip()
    if not ids or not message:
        t = Translator(page_lang(request))
        fe = FormError(t("pick_tasks") if not ids else t("message_required"), action="bulk_chase",
                       field="task" if not ids else "message", values={"message": message})
        return board_page(request, site, user, error=fe)
    try:
        result = supervision.chase_many(site, login=user.login, task_ids=ids, message=message)
    except DubanError as e:
        return board_page(request, site, user, error=form_error(e, page_lang(request), {"message": message},
                                                                 action="bulk_chase", status=status_of(e)))
    if result["failed"]:
        return board_page(request, site, user, result=result)
    kept = _query(dict(parse_qsl(request.url.query)))
    target = "/board" + (f"?{kept}" if kept else "")
    return flash(RedirectResponse(target, status_code=303), f"chased.{len(result['chased'])}")


# ------------------------------------------------------------------ the ledger
@router.get("/ledger")
def ledger(request: Request, site: SiteDep):
    user = require_user(request, site)
    lang = page_lang(request)
    f, values = read_filters(request, site)
    rows = supervision.ledger(site, login=user.login, filters=f, lang=lang)
    return page(request, site, "ledger.html", user=user, title=Translator(lang)("nav_ledger"), rows=rows,
                headers=supervision.ledger_headers(lang), values=values, choices=choices(site, lang),
                query=_query(values))


@router.get("/ledger.xlsx")
def ledger_xlsx(request: Request, site: SiteDep):
    user = require_user(request, site)
    lang = page_lang(request)
    rows = supervision.ledger_rows(site, login=user.login, filters=read_filters(request, site)[0], lang=lang)
    return xlsx_response(rows, lang, exported=exported_at(site), names=export_name(site, "xlsx", lang))


@router.get("/ledger.csv")
def ledger_csv(request: Request, site: SiteDep):
    user = require_user(request, site)
    lang = page_lang(request)
    rows = supervision.ledger_rows(site, login=user.login, filters=read_filters(request, site)[0], lang=lang)
    return csv_response(rows, lang, names=export_name(site, "csv", lang))
