"""The caller's inbox: unread first; reading a chase is recorded on the item (已阅)."""
from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, LangDep, NotificationId, SiteDep
from api.routes import ERRORS
from api.schemas.notifications import NotificationPublic
from engine.reads import lists as listing

router = APIRouter(prefix="/notifications", tags=["notifications"], responses={401: ERRORS[401]})


@router.get("", response_model=list[NotificationPublic])
def inbox(user: CurrentUser, site: SiteDep, lang: LangDep, unread: bool = False):
    return listing.notifications(site, login=user.login, unread_only=unread, lang=lang)


@router.post("/{notification_id}/read", response_model=NotificationPublic, responses={404: ERRORS[404]})
def mark_read(notification_id: NotificationId, user: CurrentUser, site: SiteDep, lang: LangDep):
    """Mark one of the caller's own notifications read (another person's answers 404)."""
    return listing.mark_read(site, login=user.login, notification_id=notification_id, lang=lang)
