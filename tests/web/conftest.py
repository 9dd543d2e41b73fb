"""Web page fixtures: a site per test module (fresh SQLite file, or the PostgreSQL test database), uvicorn
serving it on a free loopback port, Debian's Chromium driven by Playwright, and people signed in at their desks.
When a test fails, every page it had open is saved as a screenshot under build/test-screenshots/<test>/."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.support.clock import manual_clock
from tests.support.databases import demo_site, fresh_database
from tests.support.office import CHEAP_HASH, PASSWORD
from tests.support.servers import serving

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "test-screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


# ------------------------------------------------------------------ the site and its server
@pytest.fixture(scope="module")
def web_clock():
    return manual_clock()  # a Monday morning


@pytest.fixture(scope="module")
def web_site(_template_db, tmp_path_factory, web_clock):
    """A fresh database for the module, with the demo organisation (one cheap password for everyone)."""
    site = demo_site(fresh_database(_template_db, tmp_path_factory.mktemp("web")), web_clock, password_hash=CHEAP_HASH)
    yield site
    site.eng.dispose()


@pytest.fixture(scope="module")
def web_app(web_site):
    # drill mode: the site's clock is the manual one; sign-in sessions keep real time when the tests move it
    return create_app(web_site, simulated_clock=True)


@pytest.fixture(scope="module")
def server(web_app):
    """uvicorn serving the module's site in a background thread; yields its base URL."""
    with serving(web_app) as base:
        yield base


# ------------------------------------------------------------------ in-process clients (no browser)
class PageClient:
    """A signed-in person's page session over TestClient: GETs, and POSTs with the form's CSRF token."""

    def __init__(self, app, login: str, lang: str | None = None):
        self.login = login
        self.http = TestClient(app, follow_redirects=False)
        if lang:
            self.http.cookies.set("duban_lang", lang)
        r = self.http.get("/login")
        r = self.http.post("/login", data={"username": login, "password": PASSWORD, "csrf": csrf_of(r.text),
                                            "next": "/tasks"})
        assert r.status_code == 303, r.text

    def get(self, path: str, **kw):
        return self.http.get(path, **kw)

    def post(self, path: str, data: dict | None = None, *, from_page: str = "/tasks", **kw):
        token = csrf_of(self.http.get(from_page).text)
        return self.http.post(path, data={"csrf": token, **(data or {})}, **kw)


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


@pytest.fixture(scope="module")
def desk_client(web_app):
    made: dict[tuple[str, str | None], PageClient] = {}

    def make(login: str, lang: str | None = None) -> PageClient:
        if (login, lang) not in made:
            made[(login, lang)] = PageClient(web_app, login, lang)
        return made[(login, lang)]

    return make


# ------------------------------------------------------------------ the browser
@pytest.fixture(scope="module")
def browser():
    """Debian's chromium (`make test` installs it when it can: .ci/system-deps), never a downloaded one."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); `make test` does "
                    "when it runs as root")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
    pw.stop()


class Desk:
    """One person at their desk: a browser context signed in on the pages."""

    def __init__(self, browser, base: str, login: str, lang: str = "zh"):
        self.login, self.base = login, base
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                           locale="zh-CN" if lang == "zh" else "en-GB")
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login")
        self.page.fill("#username", login)
        self.page.fill("#password", PASSWORD)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(re.compile(r"/tasks"))

    def goto(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def task(self, step: str, kind: str = "work", state: str | None = None):
        """The card of my one open task at `step` on 我的待办."""
        self.goto("/tasks")
        sel = f"li.task[data-step='{step}'][data-kind='{kind}']" + (f"[data-state='{state}']" if state else "")
        card = self.page.locator(sel)
        assert card.count() == 1, f"{self.login}: {card.count()} task(s) at {step} ({kind})"
        return card

    def act(self, card, action: str, **fields):
        """Take an action from its button or small form, filling the fields; waits for the next page."""
        form = card.locator(f"form[data-action='{action}']")
        if form.locator("button[type=submit]").is_visible() is False:
            card.locator(f"details[data-action='{action}'] > summary").click()
        for name, value in fields.items():
            fill(form, name, value)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        return self.page


def fill(form, name: str, value) -> None:
    box = form.locator(f"[name='{name}']")
    tag = box.first.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
    if tag.startswith("select"):
        box.select_option(value)
    elif tag.endswith(":checkbox"):
        for v in ([value] if isinstance(value, str) else value):
            form.locator(f"[name='{name}'][value='{v}']").check()
    else:
        box.fill(str(value))


@pytest.fixture
def desks(browser, server, request):
    """`desks(login)` opens a person's signed-in browser; on failure their pages are saved as screenshots."""
    opened: list[Desk] = []

    def open_desk(login: str, lang: str = "zh") -> Desk:
        d = Desk(browser, server, login, lang)
        opened.append(d)
        return d

    yield open_desk
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        folder = SHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        folder.mkdir(parents=True, exist_ok=True)
        for d in opened:
            for i, p in enumerate(d.context.pages):
                try:
                    p.screenshot(path=str(folder / f"{d.login}-{i}.png"), full_page=True)
                except Exception:  # noqa: BLE001 - a page that cannot be drawn must not hide the failure
                    pass
        print(f"screenshots of the failure: {folder}")
    for d in opened:
        d.context.close()
