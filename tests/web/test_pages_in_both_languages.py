"""Every page, for every kind of person, renders in Chinese and in English with no untranslated key: no ⟦key⟧
marker anywhere, and in English no Chinese characters at all once the items' own data (English here) and
their serial numbers are set aside. Pages with a refused form are included, so are the error pages."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from api.pages.words import WORDS
from engine.cli.demo import Drill
from engine.reads.items import open_task_for
from engine.reads.supervision import LEDGER_COLUMNS

CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
SERIAL = re.compile(r"[^\s〔]{1,4}〔\d{4}〕\d+号")  # an item's serial number, e.g. 督〔2026〕15号
TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "pages" / "templates"


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Text(HTMLParser):
    """The text a reader sees, plus attribute text that is shown (titles, labels, placeholders); text marked as
    Chinese (`lang="zh-CN"`, such as a person's Chinese name beside the English one) is left out."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._open: list[bool] = []  # per open element: does it hide its text?

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in VOID:
            hide = tag in ("script", "style") or (a.get("lang") or "").startswith("zh") and tag != "html"
            self._open.append(hide)
        for k in ("title", "aria-label", "placeholder", "alt"):
            if a.get(k) and not any(self._open):
                self.parts.append(a[k])

    def handle_endtag(self, tag):
        if tag not in VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        if not any(self._open):
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = Text()
    p.feed(html)
    return " ".join(p.parts)


@pytest.fixture(scope="module")
def items(web_site, web_clock):
    """Items in every state a page shows, with English words so that only the engine's serials are Chinese."""
    s = web_site

    def directive(title, lead, co, due):
        item = s.start("directive", {"title": title, "instruction": "Please lead this.", "leader": "leader",
                                     "lead_unit": lead, "co_units": co, "due": due}, "leader")
        s.act(open_task_for(s, item, "register"), "submit", "clerk", {})
        s.act(open_task_for(s, item, "assign"), "assign", "office", {"lead": lead, "co": co, "due": due})
        return item

    done = directive("Quarterly audit", "it", [], "2026-03-06")
    s.act(open_task_for(s, done, "handle", unit="it"), "accept", "it.head", {})
    s.act(open_task_for(s, done, "handle", unit="it"), "complete", "it.head", {"report": "Finished"})
    s.act(open_task_for(s, done, "verify"), "approve", "clerk", {})
    late = directive("Hotline upgrade", "service", ["it"], "2026-03-04")
    busy = directive("Safety inspection", "finance", ["hr"], "2026-03-20")
    s.act(open_task_for(s, busy, "handle", unit="finance"), "accept", "finance.head", {})
    s.act(open_task_for(s, busy, "handle", unit="finance"), "transfer", "finance.head",
          {"to": "finance.staff1", "reason": "Please handle"})
    s.act(open_task_for(s, busy, "handle", person="finance.staff1"), "accept", "finance.staff1", {})
    s.act(open_task_for(s, busy, "handle", person="finance.staff1"), "progress", "finance.staff1",
          {"text": "Half done", "percent": 50})
    s.act(open_task_for(s, busy, "handle", person="finance.staff1"), "request_extension", "finance.staff1",
          {"new_due": "2026-03-27", "reason": "Waiting for the auditors"})
    doc = s.start("incoming_document", {"title": "Data security check", "sender": "City Data Bureau",
                                        "doc_number": "No. 12", "received_on": "2026-03-02", "due": "2026-03-25",
                                        "urgency": "urgent"}, "clerk")
    s.act(open_task_for(s, doc, "register"), "submit", "clerk", {})
    Drill(s, web_clock).until(__import__("datetime").date(2026, 3, 12))
    from engine.runtime.calendar_admin import set_calendar_day
    set_calendar_day(s, login="admin", day=__import__("datetime").date(2026, 3, 14), working=True, note="Drill day")
    return {"done": done, "late": late, "busy": busy, "doc": doc}


def pages_of(who: str, items: dict) -> list[str]:
    common = ["/password", "/tasks", "/tasks?tab=overdue", "/tasks?tab=done", "/notifications", "/ledger", "/appraisal", "/appraisal/999",
              "/ledger?state=running&overdue=yes&period=year", "/items/999999"]
    own = {
        "leader": ["/new/directive", "/board", "/board?unit=it&period=month", *(f"/items/{i}" for i in items.values())],
        "clerk": ["/new/directive", "/new/incoming_document", "/board", f"/items/{items['doc']}"],
        "office": ["/board", f"/items/{items['busy']}", "/new/directive"],
        "finance.staff1": [f"/items/{items['busy']}", "/board", f"/items/{items['late']}"],
        "admin": ["/admin/org", "/admin/org/people/finance.staff2", "/admin/calendar", "/admin/calendar?year=2027", "/admin/definitions"],
    }
    return common + own[who]


def assert_translated(html: str, lang: str, where: str) -> None:
    assert "⟦" not in html, f"{where}: untranslated {re.findall('⟦[^⟧]+⟧', html)}"
    if lang == "en":
        text = SERIAL.sub("", visible_text(html)).replace("中文", "")
        text = re.sub(r"“[^”]{1,4}”", "", text)  # a definition's serial prefix, quoted on the admin page
        leftover = sorted(set(CJK.findall(text)))
        assert not leftover, f"{where}: Chinese left in the English page: {''.join(leftover)} in …" + \
            text[max(0, text.find(leftover[0]) - 80):text.find(leftover[0]) + 40]
    else:
        assert re.search(r'<html lang="zh-CN">', html), where


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("who", ["leader", "clerk", "office", "finance.staff1", "admin"])
def test_every_page_renders_in_both_languages(desk_client, items, who, lang):
    person = desk_client(who, lang)
    for path in pages_of(who, items):
        r = person.get(path)
        assert r.status_code in (200, 403, 404), (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html"), path
        assert_translated(r.text, lang, f"{who} {lang} {path}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_refused_forms_and_the_sign_in_page_in_both_languages(web_app, desk_client, items, lang):
    staff = desk_client("finance.staff1", lang)
    task = open_task_for(web_app.state.site, items["busy"], "handle", person="finance.staff1")
    r = staff.post(f"/tasks/{task}/act/progress", {"text": "", "back": f"item:{items['busy']}"},
                   from_page=f"/items/{items['busy']}")
    assert r.status_code == 422 and 'data-error-for="text"' in r.text
    assert_translated(r.text, lang, "refused progress")
    assert ("Progress is required" if lang == "en" else "请填写进展情况") in r.text
    clerk = desk_client("clerk", lang)
    r = clerk.post("/new/incoming_document", {"title": "Notice", "sender": ""}, from_page="/new/incoming_document")
    assert r.status_code == 422 and 'data-error-for="sender"' in r.text
    assert_translated(r.text, lang, "refused registration")
    admin = desk_client("admin", lang)
    r = admin.post("/admin/definitions/validate", {"yaml": "id: x\nversion: one\n"}, from_page="/admin/definitions")
    assert r.status_code == 200 and "definition.yaml:" in r.text
    assert_translated(r.text, lang, "validation problems")
    anonymous = web_app and __import__("fastapi.testclient", fromlist=["TestClient"]).TestClient(web_app)
    anonymous.cookies.set("duban_lang", lang)
    r = anonymous.get("/login")
    assert r.status_code == 200
    assert_translated(r.text, lang, "sign-in")


def test_words_have_both_languages_and_every_key_used_exists():
    for key, (zh, en) in WORDS.items():
        assert zh.strip() and en.strip(), key
        if key != "switch_lang":
            assert not CJK.search(en.replace("“", "").replace("”", "")), (key, en)
    used = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\)", path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)',", path.read_text(encoding="utf-8")))
    assert used and not used - set(WORDS), sorted(used - set(WORDS))
    assert [zh for _, zh, _ in LEDGER_COLUMNS] == ["编号", "事项", "来源/批示领导", "主办单位", "协办单位", "交办日期",
                                                   "办理时限", "办理进展", "办结日期", "状态", "催办次数", "亮牌", "亮灯",
                                                   "办结材料", "拟办意见", "领导批示", "缓急", "办复情况",
                                                   "办结评价"]
