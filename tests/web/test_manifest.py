"""Adding Duban to a phone's home screen from DingTalk or WeCom: every page links the web app manifest, which names
the app 督办 Duban, opens on 我的待办 in its own window, and points at two PNG icons Duban serves itself."""
from __future__ import annotations

import struct

from fastapi.testclient import TestClient


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_names_the_app_and_its_icons(web_app):
    http = TestClient(web_app)
    answer = http.get("/manifest.webmanifest")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/manifest+json")
    m = answer.json()
    assert m["name"] == "督办 Duban" and m["start_url"] == "/tasks" and m["display"] == "standalone"
    assert m["theme_color"] == "#9b1c1c"
    sizes = {}
    for icon in m["icons"]:
        assert icon["type"] == "image/png" and icon["src"].startswith("/static/")
        image = http.get(icon["src"])
        assert image.status_code == 200
        sizes[icon["sizes"]] = png_size(image.content)
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_every_page_links_the_manifest(desk_client):
    signed_out = TestClient(desk_client("clerk").http.app).get("/login").text
    for html in (signed_out, desk_client("clerk").get("/tasks").text, desk_client("leader", "en").get("/board").text):
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert '<meta name="theme-color" content="#9b1c1c">' in html
