"""The web app manifest (/manifest.webmanifest): staff who open Duban from DingTalk or WeCom, or add it to a
phone's home screen, get its name, colours and icons (PNG, drawn once from favicon.svg by tests/web/make_icons.py).
No service worker: the in-app browsers of DingTalk and WeCom do not all have one, and the pages need the server."""
from __future__ import annotations

from starlette.responses import JSONResponse

from api.pages.base import router

THEME = "#9b1c1c"  # the header's red (app.css --red)
MANIFEST = {
    "name": "督办 Duban",
    "short_name": "督办",
    "description": "督办事项、待办、看板与考核 · supervision items, tasks, board and appraisal",
    "lang": "zh-CN",
    "start_url": "/tasks",
    "scope": "/",
    "display": "standalone",
    "theme_color": THEME,
    "background_color": "#f6f4f1",
    "icons": [{"src": f"/static/icon-{n}.png", "sizes": f"{n}x{n}", "type": "image/png", "purpose": "any"}
              for n in (192, 512)],
}


@router.get("/manifest.webmanifest")
def manifest() -> JSONResponse:
    return JSONResponse(MANIFEST, media_type="application/manifest+json",
                        headers={"Cache-Control": "public, max-age=86400"})
