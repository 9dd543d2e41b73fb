"""One log line per HTTP request: method, path (never the query string), status, milliseconds and the signed-in
login when the request named one (set by api.deps.current_user and the pages' session). Tokens, cookies and
query strings are never written. A pure ASGI middleware, so that streamed answers are timed to their end."""
from __future__ import annotations

import logging

from engine.clock import monotonic

log = logging.getLogger("duban.http")


class AccessLog:
    """Wraps the app; logs each request once its answer is sent (or has failed: status 500)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = monotonic(), 500

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            ms = round((monotonic() - started) * 1000, 1)
            login = (scope.get("state") or {}).get("login")
            method, path = scope["method"], scope["path"]
            log.info("%s %s %s %.1fms%s", method, path, status, ms, f" {login}" if login else "",
                     extra={"method": method, "path": path, "status": status, "ms": ms, "login": login})
