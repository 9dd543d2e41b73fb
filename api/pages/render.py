"""Rendering pages: the Jinja2 environment, the context every page gets (the person, their unit, unread
notifications, language, CSRF token, a one-time flash message) and the formatting helpers templates use."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api import views
from api.pages.session import PageUser, current, page_lang
from api.pages.words import Translator
from engine.reads import lists as listing
from engine.core.org import Holder
from engine.runtime.site import Site
from engine.core import limits, policy
from engine.settings import settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "duban_flash"
_FLASH = re.compile(r"^[a-z_]{1,40}(?:\.[A-Za-z0-9_]{1,40}){0,3}$")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "svg"]),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
env.globals["MAX_TEXT"] = limits.MAX_TEXT  # the bound of free texts outside definitions' fields (the chase box)


class Fmt:
    """Dates in the site's time zone, bilingual labels, and names of units, people and task holders."""

    def __init__(self, site: Site, lang: str, t: Translator):
        self.site, self.lang, self.t, self.tz = site, lang, t, site.cal.tz
        self.en = lang == "en"

    def size(self, n: int) -> str:
        """A file size: 12 KB, 3.4 MB."""
        return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, round(n / 1024))} KB"

    def dt(self, value: datetime | str | None) -> str:
        if not value:
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def d(self, value: date | datetime | str | None) -> str:
        if not value:
            return "—"
        if isinstance(value, datetime):
            return value.astimezone(self.tz).strftime("%Y-%m-%d")
        return value.isoformat() if isinstance(value, date) else str(value)

    def label(self, pair: dict | None, default: str = "") -> str:
        return (pair.get("en" if self.en else "zh") or default) if pair else default

    def unit(self, code: str | None) -> str:
        return self.site.org.holder_name(Holder(unit=code), self.lang) if code else "—"

    def person(self, login: str | None) -> str:
        return self.site.org.holder_name(Holder(person=login), self.lang) if login else self.t("system")

    def holder(self, h: dict | None) -> str:
        return self.site.org.holder_name(Holder(**h), self.lang) if h else "—"

    def lead(self, h: dict | None) -> str:
        """The lead of an item: a unit, or a person shown with their unit (after a hand-over inside it)."""
        person = self.site.org.people.get((h or {}).get("person") or "")
        if person is None:
            return self.holder(h)
        return f"{self.unit(person.unit)} ({self.person(person.login)})" if self.en else \
            f"{self.unit(person.unit)}（{self.person(person.login)}）"

    def category(self, code: str | None) -> str:
        """A role category (考核类别) by name."""
        names = self.site.org.categories.get(code or "")
        return (names[1] if self.en else names[0]) if names else (code or "—")

    def target(self, code: str) -> str:
        """A unit code or a login, by name."""
        return self.unit(code) if code in self.site.org.units else self.person(code)

    def days(self, task: dict) -> str:
        n = task.get("working_days_left")
        if n is None:
            return ""
        if task.get("overdue"):
            return self.t("wd_overdue", n=-n) if n < 0 else self.t("overdue_today")
        return self.t("wd_left", n=n) if n > 0 else self.t("due_today")

    def pct(self, rate: float | None) -> str:
        return "—" if rate is None else f"{rate * 100:.0f}%"


def nav(user: PageUser, site: Site) -> dict:
    a = user.actor
    return {"directive": policy.may_start(a, "directive"),
            "incoming_document": policy.may_start(a, "incoming_document"),
            "board": policy.may_supervise(a), "admin": bool(a.roles & policy.ADMIN_ROLES)}


def page(request: Request, site: Site, template: str, *, user: PageUser | None, status: int = 200,
         title: str = "", **ctx: Any) -> HTMLResponse:
    """Render a page in the person's language; a pending flash message is shown once."""
    lang = page_lang(request)
    t = Translator(lang)
    flash = request.cookies.get(FLASH_COOKIE)
    flash = flash if flash and _FLASH.match(flash) else None
    base = {"lang": lang, "t": t, "fmt": Fmt(site, lang, t), "user": user, "path": current(request),
            "title": title, "flash": flash, "me": None, "nav": None, "unread": 0, "csrf": "",
            "other_lang": "en" if lang == "zh" else "zh", "max_upload_mb": settings().max_upload_mb}
    if user is not None:
        base |= {"me": views.profile(site, user.actor), "nav": nav(user, site), "csrf": user.csrf,
                 "unread": len(listing.notifications(site, login=user.login, unread_only=True))}
    html = env.get_template(template).render(**(base | ctx))
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if flash is not None or FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def flash(response: Any, key: str) -> Any:
    """Show `key` (words key, optionally `.param` parts) once on the next page."""
    if _FLASH.match(key):
        response.set_cookie(FLASH_COOKIE, key, max_age=60, path="/", httponly=True, samesite="lax")
    return response
