"""Supervision (督办): the board's summary for leaders, the office director and clerks, and the ledger (督办台账)
as XLSX or CSV, over the items the caller may see, with the same filters as the ledger page."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from api.routes.search import MAX_QUERY, SEARCH_Q
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from engine.reads import supervision
from engine.runtime.site import Site
from engine.core.fields import YEARS_SHOWN
from engine.core.states import InputError
from engine.reads.supervision import LEDGER_COLUMNS, Filters

router = APIRouter(prefix="/supervision", tags=["supervision"], responses={401: ERRORS[401], 422: ERRORS[422]})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WIDTHS = {"serial": 16, "title": 36, "source": 20, "lead": 16, "co": 24, "assigned_on": 12, "due_on": 12,
          "progress": 44, "closed_on": 12, "state": 16, "chases": 10, "card": 8, "light": 30, "material": 10, "proposal": 36,
          "instruction": 36, "urgency": 8, "reply": 30, "rating": 10}
WRAP = ("title", "progress", "co", "proposal", "instruction", "reply")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is a formula to a spreadsheet


# ------------------------------------------------------------------ filters (shared with the pages)
def make_filters(site: Site, *, unit: str | None = None, definition: str | None = None, state: str | None = None,
                 overdue: bool | None = None, period: str | None = None, since: date | None = None,
                 until: date | None = None, q: str | None = None, level: str | None = None,
                 light: str | None = None) -> Filters:
    """Filters from request values; explicit `since`/`until` win over a named `period`."""
    for name, d in (("since", since), ("until", until)):
        if d is not None:
            YEARS_SHOWN.check(d, name)
    if period and since is None and until is None:
        since, until = supervision.period_range(period, site.cal.local_date(site.clock.now()))
    if "\x00" in (q or "") + (unit or "") + (definition or ""):
        raise InputError("q", "不能包含空字符", "must not contain NUL characters")
    return Filters(unit=unit or None, definition=definition or None, state=state or None, overdue=overdue,
                   since=since, until=until, q=q or None, level=level or None, light=light or None)


def query_filters(site: SiteDep,
                  unit: Annotated[str | None, Query(max_length=64, description="lead or co-handling unit")] = None,
                  definition: Annotated[str | None, Query(max_length=64)] = None,
                  state: Literal["running", "completed", "cancelled", "archived"] | None = None,
                  overdue: bool | None = None,
                  period: Literal["all", "week", "month", "quarter", "year"] | None = None,
                  since: Annotated[date | None, Query(description="issued on or after (YYYY-MM-DD)")] = None,
                  until: Annotated[date | None, Query(description="issued on or before (YYYY-MM-DD)")] = None,
                  q: Annotated[str | None, Query(max_length=MAX_QUERY, description=SEARCH_Q)] = None,
                  level: Annotated[Literal["normal", "key", "flagged"] | None,
                                   Query(description="督办级别 supervision level: 一般 normal, 重点 key, 挂牌督办 flagged")] = None,
                  light: Annotated[Literal["green", "yellow", "red"] | None,
                                   Query(description="亮灯 light of running items: 绿灯 green, 黄灯 yellow, 红灯 red")] = None,
                  ) -> Filters:
    return make_filters(site, unit=unit, definition=definition, state=state, overdue=overdue, period=period,
                        since=since, until=until, q=q, level=level, light=light)


FiltersDep = Annotated[Filters, Depends(query_filters)]


# ------------------------------------------------------------------ response shapes
class UnitLine(BaseModel):
    unit: str
    name: str
    open: int
    overdue: int
    on_time: int
    late: int
    rate: float | None
    received: int
    closed: int
    chases: int
    yellow: int
    red: int


class ItemLine(BaseModel):
    id: int
    serial: str
    title: str
    definition: str
    lead: str
    due_at: datetime | None


class CardLine(ItemLine):
    card: str
    overdue_days: int
    holders: list[str]


class UpcomingLine(ItemLine):
    task_id: int
    holder: str
    working_days_left: int


class WeekLine(BaseModel):
    start: date
    label: str
    completed: int
    overdue: int


class SatisfactionLine(BaseModel):
    """办结评价 by lead unit (engine.reads.rating): counts per rating and the score (满意 100, 基本满意 80,
    不满意 40, over the rated; null when none was rated); `none`: lapsed unrated (未评价)."""

    unit: str
    name: str
    satisfied: int
    basically: int
    unsatisfied: int
    none: int
    rated: int
    score: float | None
class GroupLine(BaseModel):
    """One group of the board: by unit the work it received (total), has open (running), closed and overdue, with
    on-time figures; by leader, source or level the items (key None: 未填 / Not set)."""
    key: str | None
    name: str
    total: int
    running: int
    closed: int
    overdue: int
    on_time: int | None = None
    late: int | None = None
    rate: float | None = None


class SummaryPublic(BaseModel):
    now: datetime
    counts: dict[str, int]
    totals: dict[str, float | int | None]
    by_unit: list[UnitLine]
    cards: list[CardLine]
    upcoming: list[UpcomingLine]
    weeks: list[WeekLine]
    satisfaction: list[SatisfactionLine] = []
    lights: dict | None = None  # 亮灯 over running items: {total, by_unit, by_level}, each {green, yellow, red}
    group_by: str | None = None
    groups: list[GroupLine] | None = None


# ------------------------------------------------------------------ routes
@router.get("/summary", response_model=SummaryPublic, responses={403: ERRORS[403]})
def summary(user: CurrentUser, site: SiteDep, lang: LangDep, filters: FiltersDep,
            group_by: Annotated[Literal["unit", "leader", "source", "level"] | None, Query(
                description="also `groups`: by unit, by the instructing leader, by source or by level "
                            "(values not set: 未填 / Not set)")] = None):
    """Counts by state, overdue and on-time rate by unit, yellow/red-card items, tasks due within five working
    days, and completions and overdue items per week (leaders, the office director, clerks); counted by the
    database, with `group_by` also grouped."""
    return supervision.summary(site, login=user.login, filters=filters, lang=lang, group_by=group_by)


@router.get("/ledger.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def ledger_xlsx(user: CurrentUser, site: SiteDep, lang: LangDep, filters: FiltersDep):
    """The ledger (督办台账) as an Excel workbook: one row per item, dates as dates, header frozen."""
    rows = supervision.ledger(site, login=user.login, filters=filters, lang=lang)
    return download(xlsx_bytes(rows, lang, exported=exported_at(site)), XLSX, export_name(site, "xlsx", lang))


@router.get("/ledger.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def ledger_csv(user: CurrentUser, site: SiteDep, lang: LangDep, filters: FiltersDep):
    """The ledger as CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese)."""
    rows = supervision.ledger(site, login=user.login, filters=filters, lang=lang)
    return download(csv_bytes(rows, lang), "text/csv; charset=utf-8", export_name(site, "csv", lang))


# ------------------------------------------------------------------ files
def export_name(site: Site, ext: str, lang: str) -> tuple[str, str]:
    """(the file name, an ASCII fallback)."""
    day = site.cal.local_date(site.clock.now()).isoformat()
    return (f"{'Duban ledger' if lang == 'en' else '督办台账'} {day}.{ext}", f"duban-ledger-{day}.{ext}")


def download(content: bytes, media_type: str, names: tuple[str, str]) -> Response:
    name, ascii_name = names
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})


def _safe(value: object) -> object:
    """CSV text that a spreadsheet would run as a formula is kept as text (a leading apostrophe)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def exported_at(site: Site) -> str:
    """The export time as the printed ledger's footer shows it (site time)."""
    return site.clock.now().astimezone(site.cal.tz).strftime("%Y-%m-%d %H:%M")


def xlsx_bytes(rows: list[dict], lang: str = "zh", *, exported: str = "") -> bytes:
    """The ledger workbook; printed on A4 landscape, fit to the page's width, the header row on every page, the
    page number and the export time in the footer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Ledger" if lang == "en" else "督办台账"
    keys = [k for k, _, _ in LEDGER_COLUMNS]
    ws.append(supervision.ledger_headers(lang))
    for r in rows:
        ws.append([r[k] for k in keys])
        for cell in ws[ws.max_row]:
            if cell.data_type == "f":  # a title starting with "=" stays text, never a formula
                cell.data_type = "s"
    head_fill = PatternFill("solid", fgColor="F3E3E3")
    for c, key in enumerate(keys, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = WIDTHS[key]
        head = ws.cell(row=1, column=c)
        head.font, head.fill = Font(bold=True), head_fill
        head.alignment = Alignment(horizontal="center", vertical="center")
        for cell in ws[letter][1:]:
            if key in ("assigned_on", "due_on", "closed_on"):
                cell.number_format = "yyyy-mm-dd"
            if key in WRAP:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    en = lang == "en"
    ws.oddFooter.center.text = "Page &P of &N" if en else "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = (f"Exported {exported}" if en else f"导出时间 {exported}") if exported else ""
    ws.auto_filter.ref = f"A1:{get_column_letter(len(keys))}{max(1, len(rows) + 1)}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[dict], lang: str = "zh") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(supervision.ledger_headers(lang))
    for r in rows:
        w.writerow([_safe(r[k].isoformat() if isinstance(r[k], date) else r[k]) if r[k] is not None else ""
                    for k, _, _ in LEDGER_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")
