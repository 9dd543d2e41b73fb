"""Draw the web app manifest's icons (api/pages/static/icon-192.png and icon-512.png) from favicon.svg, once, in
Debian's Chromium; the PNGs are committed, so nothing is drawn at run time.

    .venv/bin/python -m tests.web.make_icons

A Chinese font must be installed for the 督 to be drawn (Debian: fonts-wqy-zenhei or fonts-noto-cjk).
Not a test: nothing here is collected by pytest."""
from __future__ import annotations

from pathlib import Path

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

STATIC = Path(__file__).resolve().parents[2] / "api" / "pages" / "static"
SIZES = (192, 512)


def main() -> None:
    from playwright.sync_api import sync_playwright

    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f"<!doctype html><html><body style='margin:0;background:transparent'>{sized}</body></html>")
            page.screenshot(path=str(STATIC / f"icon-{size}.png"), omit_background=True)
            print(STATIC / f"icon-{size}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
