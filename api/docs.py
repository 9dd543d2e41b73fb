"""The API's interactive documentation (/api/v1/docs) with no internet: Swagger UI's script and stylesheet come
from the `swagger-ui-py` package (Swagger UI 5, which draws the OpenAPI 3.1 that FastAPI writes; the
`swagger-ui-bundle` package stops at Swagger UI 4, which cannot) and are served by Duban itself under
/api/v1/docs-assets, so that an office network without access to a CDN still gets a working page."""
from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse


def install(app: FastAPI, prefix: str) -> None:
    """Serve the docs page at `{prefix}/docs` and Swagger UI's assets at `{prefix}/docs-assets` (the app is made
    with docs_url=None); the OAuth2 redirect stays where FastAPI puts it, /docs/oauth2-redirect."""
    assets = f"{prefix}/docs-assets"
    redirect = "/docs/oauth2-redirect"
    app.mount(assets, StaticFiles(directory=str(files("swagger_ui") / "static")), name="docs-assets")

    async def docs(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{app.title} · API",
                                   swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{assets}/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg", oauth2_redirect_url=redirect)

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    # plain routes, as FastAPI adds its own docs: not API operations, not pages
    app.add_route(f"{prefix}/docs", docs, include_in_schema=False)
    app.add_route(redirect, oauth2_redirect, include_in_schema=False)
