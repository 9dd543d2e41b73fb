"""/api/v1/docs on an office network with no internet: the page names no outside host, Swagger UI's script and
stylesheet are served by Duban itself, and in the browser the API's operations are drawn with every request
to another host refused."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_docs_page_names_no_outside_host_and_its_assets_answer(web_app):
    http = TestClient(web_app)
    page = http.get("/api/v1/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?["']([^"']+)["']""", page.text)
    urls = [a or b for a, b in urls]
    assert urls and not [u for u in urls if "//" in u], urls  # every asset a path on Duban itself
    assert not re.search(r"https?://", page.text), "the docs page mentions an outside address"
    for u in urls:
        answer = http.get(u)
        assert answer.status_code == 200, u
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls) and any(u.endswith(".css") for u in urls)


def test_the_docs_draw_the_api_with_the_internet_cut_off(browser, server):
    outside: list[str] = []
    context = browser.new_context()
    context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: (outside.append(route.request.url),
                                                                             route.abort()))
    page = context.new_page()
    try:
        page.goto(f"{server}/api/v1/docs")
        page.locator(".swagger-ui .info .title").wait_for()
        assert "Duban" in page.locator(".swagger-ui .info .title").inner_text()
        page.locator(".opblock-tag-section").first.wait_for()
        assert page.locator(".opblock").count() > 20  # the operations are drawn, not an error box
        assert page.locator(".swagger-ui .errors-wrapper").count() == 0
        assert outside == []
    finally:
        context.close()
