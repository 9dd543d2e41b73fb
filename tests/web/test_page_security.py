"""How the pages guard themselves: sign-in cookies (HttpOnly, SameSite, the token stored hashed and revoked on
sign-out), CSRF tokens and the Origin check on every form, no open redirects, security headers, the API's
rate limit, and the API's rules: a person sees and does only what the API allows them."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.pages.session import csrf_token
from engine.reads.items import open_task_for
from engine.store import db
from engine.store.tables import AccessToken
from tests.support.office import PASSWORD
from tests.web.conftest import PageClient, csrf_of


def directive_at_handle(site, title="落实安全生产大检查", lead="finance") -> int:
    item = site.start("directive", {"title": title, "instruction": "请牵头办理。", "leader": "leader",
                                    "lead_unit": lead, "co_units": [], "due": "2026-03-20"}, "leader")
    site.act(open_task_for(site, item, "register"), "submit", "clerk", {})
    site.act(open_task_for(site, item, "assign"), "assign", "office", {"lead": lead, "due": "2026-03-20"})
    return item


def test_pages_ask_for_sign_in_and_keep_the_place(web_app):
    anon = TestClient(web_app, follow_redirects=False)
    r = anon.get("/board?unit=hr")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fboard%3Funit%3Dhr"
    assert anon.get("/ui/working-days?date=2026-03-20").status_code == 303
    assert anon.get("/api/v1/me").status_code == 401  # the API keeps its own answers
    login = anon.get("/login?next=/board?unit=hr")
    r = anon.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": csrf_of(login.text),
                                  "next": "/board?unit=hr"})
    assert r.status_code == 303 and r.headers["location"] == "/board?unit=hr"


def test_the_session_cookie_is_httponly_samesite_and_stored_hashed(web_app, web_site):
    anon = TestClient(web_app, follow_redirects=False)
    login = anon.get("/login")
    assert "httponly" in login.headers["set-cookie"].lower() and "samesite=strict" in login.headers["set-cookie"].lower()
    r = anon.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": csrf_of(login.text)})
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("duban_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Max-Age=" in cookie
    token = cookie.split(";")[0].split("=", 1)[1]
    with db.read(web_site.eng) as conn:
        stored = set(conn.execute(sa.select(AccessToken.__table__.c.token_hash)).scalars())
    assert hashlib.sha256(token.encode()).hexdigest() in stored and token not in stored
    assert TestClient(web_app).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["login"] == "clerk"

    page = anon.get("/tasks")
    assert page.status_code == 200 and csrf_token(token) in page.text
    r = anon.post("/logout", data={"csrf": csrf_token(token)})
    assert r.status_code == 303 and 'duban_session=""' in r.headers["set-cookie"]
    anon.cookies.set("duban_session", token)  # the old cookie, kept by a careless browser
    assert anon.get("/tasks").status_code == 303  # revoked: sign in again


def test_forms_without_the_token_or_from_another_site_change_nothing(web_app, web_site, desk_client):
    item = directive_at_handle(web_site)
    task = open_task_for(web_site, item, "handle", unit="finance")
    head = desk_client("finance.head")
    for data, headers in (({}, {}), ({"csrf": "forged"}, {}),
                          ({"csrf": csrf_of(head.get("/tasks").text)}, {"Origin": "https://evil.example"})):
        r = head.http.post(f"/tasks/{task}/act/accept", data=data, headers=headers)
        assert r.status_code == 403 and "表单已过期或来源不明" in r.text
    assert head.get(f"/items/{item}").text.count('data-state="pending"') >= 1
    assert "签收" in head.get("/tasks").text
    r = head.post(f"/tasks/{task}/act/accept", {"back": "tasks:open"}, headers={"Origin": "http://testserver"})
    assert r.status_code == 303 and r.headers["location"] == "/tasks?tab=open"

    anon = TestClient(web_app, follow_redirects=False)
    r = anon.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": "guess"})
    assert r.status_code == 403  # the sign-in form's token must match its cookie


def test_no_open_redirects(web_app):
    anon = TestClient(web_app, follow_redirects=False)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        r = anon.get(f"/lang/en?next={target}")
        assert r.status_code == 303 and r.headers["location"] == "/", target
        login = anon.get("/login")
        r = anon.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf": csrf_of(login.text),
                                      "next": target})
        assert r.headers["location"] == "/tasks", target
        anon.cookies.clear()


def test_pages_send_a_strict_content_security_policy(desk_client):
    r = desk_client("clerk").get("/tasks")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text and "style=" not in r.text  # nothing inline: the policy allows none
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text  # no CDN


def test_the_sign_in_page_shows_the_api_rate_limit(web_app):
    anon = TestClient(web_app, follow_redirects=False)
    for _ in range(5):
        login = anon.get("/login")
        r = anon.post("/login", data={"username": "hr.staff2", "password": "wrong", "csrf": csrf_of(login.text)})
        assert r.status_code == 401 and "账号或密码错误" in r.text
    login = anon.get("/login")
    r = anon.post("/login", data={"username": "hr.staff2", "password": PASSWORD, "csrf": csrf_of(login.text)})
    assert r.status_code == 429 and "登录失败次数过多" in r.text


def test_a_person_sees_and_does_only_what_the_api_allows(web_app, web_site, desk_client):
    item = directive_at_handle(web_site, "人事档案整理", lead="hr")
    task = open_task_for(web_site, item, "handle", unit="hr")
    stranger = desk_client("finance.staff2")
    assert stranger.get(f"/items/{item}").status_code == 404  # the API answers 404 too
    r = stranger.post(f"/tasks/{task}/act/accept", {"back": "tasks:open"})
    assert r.status_code == 404 and "没有这个任务" in r.text
    assert stranger.get("/board").status_code == 403
    assert stranger.get("/admin/org").status_code == 403
    assert stranger.get("/new/directive").status_code == 403
    r = stranger.post("/new/directive", {"title": "x", "instruction": "y"})
    assert r.status_code == 403
    assert f'href="/items/{item}"' not in stranger.get("/ledger").text

    staff = desk_client("hr.staff1")  # in the unit, not its head: may look, may not sign for the unit
    page = staff.get(f"/items/{item}").text
    assert 'data-action="accept"' not in page and 'data-action="comment"' in page
    r = staff.post(f"/tasks/{task}/act/accept", {"back": f"item:{item}"}, from_page=f"/items/{item}")
    assert r.status_code == 403 and "不能对该任务执行“签收”" in r.text

    head = desk_client("hr.head")
    r = head.post(f"/tasks/{task}/act/accept", {"back": f"item:{item}"}, from_page=f"/items/{item}")
    assert r.status_code == 303 and r.headers["location"] == f"/items/{item}"
    api = TestClient(web_app)
    token = api.post("/api/v1/auth/token", data={"username": "hr.head", "password": PASSWORD}).json()["access_token"]
    view = api.get(f"/api/v1/instances/{item}", headers={"Authorization": f"Bearer {token}"}).json()
    names = next(t for t in view["tasks"] if t["id"] == task)["actions"]
    page = head.get(f"/items/{item}").text
    for a in names:  # the page offers exactly the actions the API lists
        assert f'data-task="{task}" data-action="{a["name"]}"' in page
    assert page.count(f'data-task="{task}" data-action=') == len(names)


def test_a_stale_form_gets_the_apis_conflict(web_site, desk_client):
    item = directive_at_handle(web_site, "网络安全检查", lead="it")
    task = open_task_for(web_site, item, "handle", unit="it")
    head = desk_client("it.head")
    token = csrf_of(head.get("/tasks").text)
    ok = head.http.post(f"/tasks/{task}/act/accept", data={"csrf": token, "version": "1"})
    assert ok.status_code == 303
    stale = head.http.post(f"/tasks/{task}/act/comment", data={"csrf": token, "version": "1", "text": "收到"})
    assert stale.status_code == 409 and "该任务已被他人处理" in stale.text


def test_page_clients_helper_signs_in(web_app):
    assert PageClient(web_app, "leader").get("/tasks").status_code == 200
