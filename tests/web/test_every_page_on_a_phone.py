"""Every page on a phone: staff read their tasks inside DingTalk or WeCom on a 360 px screen. For every kind of
person in the demo office, every page the app serves (found from its GET routes, path parameters filled from a
simulated spring in the office) is drawn at 360×740 and at 1366×768, in Chinese and in English, and nothing may push
the page sideways: no horizontal scrolling of the document, no element wider than the screen unless it sits in a
scroll box of its own (which must then be focusable and named), and on the phone no tap target under 40 px.

Tap targets are links, buttons, summaries, form fields and the labels of check boxes. A link inside running text is
excepted: an inline link whose parent also holds words of its own (a sentence with a link in it), as WCAG 2.5.8
excepts targets in a sentence. Screenshots of the phone pages land in test-artifacts/phone/<lang>/<login>/ (gitignored).

One server and one browser serve the whole module: about two and a half minutes on two busy cores."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from engine.appraisal.trigger import start_cycle
from engine.clock import ManualClock
from engine.reads.items import item_view
from engine.runtime.boot import demo_org_path, load_org_file
from engine.runtime.boot import open_site
from tests.appraisal.conftest import CycleDriver
from tests.support.clock import SHANGHAI
from tests.support.databases import fresh_database
from tests.support.office import CHEAP_HASH, PASSWORD
from tests.web.make_screenshots import seed

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "test-artifacts" / "phone"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
MIN_TAP = 40
# one person of each kind in the demo organisation (the administrator is also its auditor)
KINDS = {"leader": "leader", "office_director": "office", "clerk": "clerk", "unit_head": "finance.head",
         "staff": "service.staff1", "admin": "admin", "auditor": "admin"}
PEOPLE = sorted(set(KINDS.values()))


# ------------------------------------------------------------------ a spring in the demo office
@pytest.fixture(scope="module")
def web_clock():
    return ManualClock(datetime(2026, 4, 7, 9, 0, tzinfo=SHANGHAI))


@pytest.fixture(scope="module")
def spring(_template_db, tmp_path_factory, web_clock):
    """Directives and documents on time, late, extended, carded and in flight; and a 2026Q1 appraisal rated."""
    site = open_site(fresh_database(_template_db, tmp_path_factory.mktemp("phone")), web_clock, migrate=False)
    load_org_file(site, demo_org_path(), password_hash=CHEAP_HASH)
    items = seed(site, web_clock)
    cycle = CycleDriver(site, web_clock)
    cycle.id, _ = start_cycle(site, "2026Q2", by="office")
    cycle.rate_all("self_assess", lambda h, r, f: 4)
    yield site, items, cycle.id
    site.eng.dispose()


@pytest.fixture(scope="module")
def web_site(spring):
    return spring[0]


def fillers(site, items: dict, cycle_id: int, lang: str) -> dict[str, list[str]]:
    """Values for every path parameter a page route may have, taken from the office's store."""
    survey = item_view(site, items["survey"], None)
    return {
        "item_id": [str(items["survey"]), str(items["reimburse"])],
        "task_id": [str(survey["tasks"][0]["id"])],
        "cycle_id": [str(cycle_id)],
        "person": ["service.staff1"],
        "login": ["finance.staff1"],  # /admin/org/people/{login}: a person's page for the administrator
        "bulletin_id": ["1"],  # /board/bulletins/{id}.pdf: a download (or a 404 page when none was sent yet)
        "token": ["no-such-link"],
        "attachment_id": ["1"],  # /files/{id}: a download (or a 404 page when there is none)  # /go/{token}: the page that explains a link it does not know
        "definition": sorted(site.definitions()),
        "code": [lang],  # /lang/<code>: switching to the language one is reading keeps it
    }


def page_paths(app, values: dict[str, list[str]]) -> list[str]:
    """Every GET page route of the app, each path parameter filled with each of its values."""
    paths: list[str] = []
    for route in iter_route_contexts(app.routes):  # routers included in routers, as FastAPI itself walks them
        if not isinstance(route.original_route, APIRoute) or "GET" not in route.methods \
                or route.path.startswith(("/api/", "/static")):
            continue
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        missing = [n for n in names if n not in values]
        assert not missing, f"{route.path}: tell the phone test how to fill {missing} from the demo store (fillers)"
        filled = [route.path]
        for n in names:
            filled = [re.sub(r"{%s(?::\w+)?}" % n, v, p) for p in filled for v in values[n]]
        paths += filled
    return paths


# ------------------------------------------------------------------ what is measured in the page
MEASURE = """(minTap) => {
  const vw = document.documentElement.clientWidth, out = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
    ' "' + (e.innerText || e.getAttribute('aria-label') || e.value || '').trim().slice(0, 24) + '"';
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const boxOf = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
    if (scrolls(p)) return p; } return null; };
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 &&
    e.checkVisibility({visibilityProperty: true}); };  // not inside a closed <details>, not hidden
  const sx = window.scrollX;
  if (document.documentElement.scrollWidth > vw)
    out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px on a ${vw} px screen`);
  const wide = new Set();
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || boxOf(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.right + sx > vw + 1 || r.left + sx < -1) {
      if (e.parentElement && wide.has(e.parentElement)) { wide.add(e); continue; }
      wide.add(e);
      out.push(`wider than the screen: ${name(e)} spans ${Math.round(r.left)}..${Math.round(r.right)} px`);
    }
  }
  if (document.documentElement.scrollWidth > vw) {  // words that run out of their box push the page too
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.textContent.trim() || !shown(n.parentElement) || boxOf(n.parentElement)) continue;
      const range = document.createRange(); range.selectNodeContents(n);
      const r = range.getBoundingClientRect();
      if (r.right + sx > vw + 1) out.push(`words run off the screen: ${name(n.parentElement)} to ${Math.round(r.right)} px`);
    }
  }
  for (const e of document.body.querySelectorAll('*')) {
    if (!shown(e) || !scrolls(e) || e.scrollWidth <= e.clientWidth + 1) continue;
    if (e.tabIndex < 0 || !e.getAttribute('role') || !(e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))
      out.push(`a scroll box that is not a focusable named region: ${name(e)}`);
  }
  if (minTap) {
    const inText = (a) => getComputedStyle(a).display === 'inline' && [...a.parentElement.childNodes].some(
      (n) => n.nodeType === 3 && n.textContent.trim());
    const targets = 'a[href], button, select, textarea, summary, input:not([type=hidden]), [role=button]';
    for (let e of document.body.querySelectorAll(targets)) {
      if (e.matches('input[type=checkbox], input[type=radio]') && e.closest('label')) e = e.closest('label');
      if (!shown(e) || (e.matches('a') && inText(e))) continue;
      const r = e.getBoundingClientRect();
      if (r.height < minTap - 0.5 || r.width < minTap - 0.5)
        out.push(`a tap target of ${Math.round(r.width)}×${Math.round(r.height)} px: ${name(e)}`);
    }
  }
  return [...new Set(out)];
}"""


def slug(path: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", path.strip("/")) or "home"


def signed_in(browser, server, login: str | None, lang: str):
    """A browser context at phone size in `lang`, signed in as `login` (or not signed in)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh" else "en-GB")
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "duban_lang", "value": lang, "url": server}])
    page = context.new_page()
    if login:
        page.goto(f"{server}/login")
        page.fill("#username", login)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r"/tasks"))
    return context, page


def html_pages(context, server: str, paths: list[str]) -> list[str]:
    """The paths that answer an HTML page to this person (downloads, JSON and redirects are left out: a redirect's
    target is a page of its own)."""
    keep = []
    for p in paths:
        r = context.request.get(server + p, max_redirects=0)
        if r.status < 300 or r.status >= 400:
            assert r.status < 500, f"{p}: {r.status}"
            if r.headers.get("content-type", "").startswith("text/html"):
                keep.append(p)
    return keep


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("login", PEOPLE + [None], ids=lambda x: x or "signed-out")
def test_every_page_fits_the_screen(browser, server, web_app, spring, login, lang):
    """No page makes anyone scroll sideways, on a phone or at a desk; on the phone every control is big enough.
    Each page is loaded once at phone size, measured and photographed, then measured again at desk size."""
    site, items, cycle_id = spring
    for kind, who in KINDS.items():
        assert kind in site.org.people[who].roles, f"{who} is not a {kind} in the demo organisation"
    context, page = signed_in(browser, server, login, lang)
    paths = page_paths(web_app, fillers(site, items, cycle_id, lang))
    if login is None:
        paths = ["/login"]
    try:
        pages = html_pages(context, server, paths)
        assert "/tasks" in pages or login is None
        problems = []
        for path in pages:
            page.set_viewport_size(PHONE)
            answer = page.goto(server + path)
            assert answer.status < 500, f"{path}: {answer.status}"
            problems += [f"{path} at 360 px: {p}" for p in page.evaluate(MEASURE, MIN_TAP)]
            folder = ARTEFACTS / lang / (login or "signed-out")
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{slug(path)}.png"), full_page=True)
            menu = page.locator("button.menu-button")
            if menu.count():  # the header's menu unfolded: its links and buttons are tap targets too
                menu.click()
                assert page.locator("#top-menu").is_visible()
                problems += [f"{path} at 360 px, menu open: {p}" for p in page.evaluate(MEASURE, MIN_TAP)]
            page.set_viewport_size(DESKTOP)
            problems += [f"{path} at 1366 px: {p}" for p in page.evaluate(MEASURE, 0)]
        assert not problems, f"{login} ({lang}):\n" + "\n".join(problems)
    finally:
        context.close()


# ------------------------------------------------------------------ axe-core on the main pages
MAIN_PAGES = [("clerk", "/tasks"), ("clerk", "/items/{survey}"), ("clerk", "/board"), ("clerk", "/ledger"),
              ("clerk", "/new/directive"), ("admin", "/admin/org"), (None, "/login")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_main_pages_have_no_serious_accessibility_finding(browser, server, spring, lang):
    """axe-core (bundled by axe-playwright-python, nothing downloaded) finds nothing serious or critical on the
    pages people use most, as they are drawn on a phone and at a desk."""
    from axe_playwright_python.sync_playwright import Axe

    axe, items, findings = Axe(), spring[1], []
    for login, path in MAIN_PAGES:
        context, page = signed_in(browser, server, login, lang)
        try:
            page.goto(server + path.format(**items))
            page.locator("main").wait_for()
            for size in (PHONE, DESKTOP):
                page.set_viewport_size(size)
                for v in axe.run(page).response["violations"]:
                    if v["impact"] in ("serious", "critical"):
                        where = "; ".join(" ".join(n["target"]) for n in v["nodes"][:4])
                        findings.append(f"{login} {path} at {size['width']} px: {v['id']} ({v['impact']}): "
                                        f"{v['help']} — {where}")
        finally:
            context.close()
    assert not findings, "\n".join(findings)
