"""Supervision (督办): the board's summary for leaders, the office director and clerks, and the ledger (督办台账)
as XLSX or CSV, over the items the caller may see, with the same filters as the ledger page."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from api.ledger_files import XLSX, csv_bytes, csv_response, xlsx_bytes, xlsx_response  # noqa: F401 (re-exported)
from api.routes.search import MAX_QUERY, SEARCH_Q
from api.deps import CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from engine.reads import supervision
from engine.runtime.site import Site
from engine.core.fields import YEARS_SHOWN
from engine.core.states import InputError
from engine.reads.supervision import Filters

router = APIRouter(prefix="/supervision", tags=["supervision"], responses={401: ERRORS[401], 422: ERRORS[422]})


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
    """The ledger (督办台账) as an Excel workbook: one row per item, dates as dates, header frozen. Written as the
    rows are read (a write-only workbook), so the server's memory stays flat whatever the row count."""
    rows = supervision.ledger_rows(site, login=user.login, filters=filters, lang=lang)
    return xlsx_response(rows, lang, exported=exported_at(site), names=export_name(site, "xlsx", lang))


@router.get("/ledger.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def ledger_csv(user: CurrentUser, site: SiteDep, lang: LangDep, filters: FiltersDep):
    """The ledger as CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese), sent row by row as
    the items are read."""
    rows = supervision.ledger_rows(site, login=user.login, filters=filters, lang=lang)
    return csv_response(rows, lang, names=export_name(site, "csv", lang))


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


def exported_at(site: Site) -> str:
    """The export time as the printed ledger's footer shows it (site time)."""
    return site.clock.now().astimezone(site.cal.tz).strftime("%Y-%m-%d %H:%M")
