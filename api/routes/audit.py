"""The audit trail (留痕) for auditors and administrators."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import MAX_ID, CurrentUser, LangDep, SiteDep
from api.routes import ERRORS
from api.schemas.audit import AuditPage, ChainVerdictPublic
from engine.reads import audit_trail, lists as listing
from engine.core.fields import YEARS_SHOWN
from engine.core.states import InputError

router = APIRouter(prefix="/audit", tags=["audit"], responses={401: ERRORS[401], 403: ERRORS[403],
                                                                422: ERRORS[422]})


@router.get("", response_model=AuditPage)
def audit(user: CurrentUser, site: SiteDep, lang: LangDep,
          instance: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
          person: Annotated[str | None, Query(max_length=64)] = None,
          since: Annotated[str | None, Query(max_length=40, description="a date or a date-time")] = None,
          page: Annotated[int, Query(ge=1, le=1_000_000)] = 1):
    """Audit events oldest first, 100 a page, filtered by item, actor and time."""
    return listing.audit_events(site, login=user.login, instance=instance, person=person,
                                since=parse_since(since, site.cal.tz), page=page, lang=lang)


@router.get("/verify", response_model=ChainVerdictPublic, responses={409: ERRORS[409]})
def verify(user: CurrentUser, site: SiteDep):
    """Check the whole audit chain (each event's hash and its link to the one before, in commit order) and name the
    first event that was edited, deleted or inserted out of order. Auditors and administrators; one check at a time
    (409 while another runs)."""
    return audit_trail.verify_trail(site, login=user.login)


def parse_since(text: str | None, tz) -> datetime | None:  # noqa: ANN001
    """'2026-03-01' is that day's start in the site's zone; a date-time without a zone is site-local."""
    if not text:
        return None
    try:
        when = datetime.combine(date.fromisoformat(text), time(0)) if len(text) <= 10 else datetime.fromisoformat(text)
    except ValueError:
        raise InputError("since", "应为日期或日期时间，如 2026-03-01", "must be a date or date-time, e.g. 2026-03-01") from None
    when = when if when.tzinfo else when.replace(tzinfo=tz)
    return YEARS_SHOWN.check(when, "since")
