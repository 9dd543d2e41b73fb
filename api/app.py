"""The app factory: a FastAPI app over one Site, every router under /api/v1, one error shape."""
from __future__ import annotations

from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import docs, errors, pages
from api.access_log import AccessLog
from api.bodylimit import BodyLimit
from api.routes import admin, audit, auth, calendar, definitions, health, instances, me, notifications, tasks
from api.routes import supervision
from api.routes import appraisal
from api.routes import people
from api.routes import paper
from api.routes import attachments
from api.routes import search
from api.routes import decision_import  # before instances: /instances/import is not an item id
from engine.reads import lists as listing
from engine.clock import ManualClock, SystemClock
from engine.runtime.site import Site
from engine.settings import settings

PREFIX = "/api/v1"
DESCRIPTION = """督办 Duban — office task handling and supervision.

Sign in at `POST /api/v1/auth/token` (OAuth2 password form) and send `Authorization: Bearer <token>`.
Errors always look like `{"error": {"code", "message", "details"}}`; messages are Chinese unless
`Accept-Language` starts with `en`."""


def worker_threads() -> int:
    """Threads that run the (synchronous) routes: DUBAN_THREADS, default 8. Fewer threads than anyio's 40
    keep the GIL from thrashing under load; each route holds a database connection only briefly."""
    return settings().threads


@asynccontextmanager
async def lifespan(app: FastAPI):
    anyio.to_thread.current_default_thread_limiter().total_tokens = worker_threads()
    yield


def create_app(site: Site, *, simulated_clock: bool = False) -> FastAPI:
    """An app serving `site`. With `simulated_clock` (drill mode) the site's ManualClock can be moved by an
    administrator; sign-in sessions then keep real time, so that a jump of days signs nobody out."""
    app = FastAPI(title="Duban 督办", version="1", description=DESCRIPTION, openapi_url=f"{PREFIX}/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.site = site
    app.state.simulated_clock = simulated_clock and isinstance(site.clock, ManualClock)
    app.state.auth_clock = SystemClock() if app.state.simulated_clock else site.clock
    listing.warm(site)
    errors.install(app)
    docs.install(app, PREFIX)  # /api/v1/docs with Swagger UI served by Duban (no CDN)
    app.add_middleware(BodyLimit)  # every body bounded (DUBAN_MAX_BODY_KB), streamed bytes counted
    for r in (health, auth, me, definitions, decision_import, instances, tasks, notifications, calendar, audit, admin):
        app.include_router(r.router, prefix=PREFIX)
    app.include_router(supervision.router, prefix=PREFIX)
    app.include_router(appraisal.router, prefix=PREFIX)
    app.include_router(people.router, prefix=PREFIX)
    app.include_router(paper.router, prefix=PREFIX)
    app.include_router(attachments.router, prefix=PREFIX)
    app.include_router(search.router, prefix=PREFIX)
    pages.install(app)  # the web pages under / (api/pages)
    if settings().access_log:
        app.add_middleware(AccessLog)  # one line per request (DUBAN_ACCESS_LOG)
    return app
