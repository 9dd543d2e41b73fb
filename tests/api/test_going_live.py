"""Going live over the real server (uvicorn on a loopback port): the first administrator, created at the console,
sets up the office and the finance unit, imports the finance staff from a spreadsheet, gives them initial
passwords that they must change before doing anything else; 赵处长 goes on leave and her proxy 孙出纳 handles a
directive for her (the timeline says 孙出纳（代赵处长）); then 钱会计 leaves and his open tasks go to his successor in
one 批量转办 that the audit trail lists and every item's timeline shows."""
from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from openpyxl import Workbook

from api.app import create_app
from engine.runtime import people
from engine.runtime.boot import open_site
from tests.support.servers import serving

FIRST = "Zongwu-2026-first"
STAFF = ["finance.zhao", "finance.qian", "finance.sun"]


@pytest.fixture
def empty_site(database_url, clock):
    """A fresh site: the shipped definitions, nobody in it yet."""
    site = open_site(database_url, clock, migrate=False)
    yield site
    site.eng.dispose()


@pytest.fixture
def server(empty_site):
    people.add_unit(empty_site, by="cli:root", data={"code": "office", "name": "办公室", "name_en": "Office"})
    people.add_person(empty_site, by="cli:root", password=FIRST,
                      data={"login": "admin", "name": "系统管理员", "unit": "office", "roles": ["admin"]})
    with serving(create_app(empty_site)) as base:
        yield f"{base}/api/v1"


def sign_in(base: str, login: str, password: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=20)
    r = http.post("/auth/token", data={"username": login, "password": password})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return http


def first_password_changed(base: str, login: str, initial: str, new: str) -> httpx.Client:
    """Sign in with the initial password: everything but /me answers 403 until the password is changed."""
    http = sign_in(base, login, initial)
    refused = http.get("/me/tasks")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "password_change_required"
    assert http.get("/me").json()["must_change_password"] is True
    weak = http.post("/me/password", json={"current": initial, "new": "password123"})
    assert weak.status_code == 422 and weak.json()["error"]["details"]["fields"] == ["new"]
    assert http.post("/me/password", json={"current": "not-it-at-all", "new": new}).status_code == 422
    r = http.post("/me/password", json={"current": initial, "new": new})
    assert r.status_code == 200, r.text
    assert http.get("/me/tasks").status_code == 200 and http.get("/me").json()["must_change_password"] is False
    return http


def staff_sheet(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["登录名", "姓名", "单位", "角色", "类别", "邮箱", "手机"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_office_goes_live_and_a_leaver_hands_his_tasks_to_his_successor(server, clock):
    admin = first_password_changed(server, "admin", FIRST, "Dubanzhan-2026-guanli")

    # the office's director and clerk, one by one
    assert admin.post("/admin/people", json={"login": "office.wu", "name": "吴主任", "unit": "office",
                                              "roles": ["office_director"], "password": "Wu-initial-0301"}
                      ).status_code == 201
    assert admin.post("/admin/people", json={"login": "office.zheng", "name": "郑督办", "unit": "办公室",
                                              "roles": ["督办员"], "password": "Zheng-initial-0301"}
                      ).status_code == 201
    # the finance unit, and its three people from a spreadsheet (a dry run first)
    r = admin.post("/admin/units", json={"code": "finance", "name": "财务部", "name_en": "Finance"})
    assert r.status_code == 201, r.text
    sheet = staff_sheet([["finance.zhao", "赵处长", "财务部", "部门负责人、科员", "", "zhao@example.cn", "13800000001"],
                         ["finance.qian", "钱会计", "finance", "staff", "", "", ""],
                         ["finance.sun", "孙出纳", "财务部", "科员", "", "", "13800000003"]])
    files = {"file": ("财务部人员.xlsx", sheet, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    dry = admin.post("/admin/people/import", params={"dry_run": "true"}, files=files)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and [p["login"] for p in dry.json()["created"]] == STAFF
    assert admin.get("/admin/people", params={"unit": "finance"}).json() == []  # a dry run creates nobody
    done = admin.post("/admin/people/import", files=files)
    assert done.status_code == 200 and done.json()["without_password"] == STAFF
    listed = {p["login"]: p for p in admin.get("/admin/people", params={"unit": "finance"}).json()}
    assert listed["finance.zhao"]["roles"] == ["unit_head", "staff"] and not listed["finance.qian"]["has_password"]

    for login in STAFF:
        r = admin.post(f"/admin/people/{login}/password", json={"password": f"{login[8:]}-Initial-26"})
        assert r.status_code == 200 and r.json()["must_change_password"] is True
    staff = {login: first_password_changed(server, login, f"{login[8:]}-Initial-26", f"Caiwu-{login[8:]}-new-pw")
             for login in STAFF}
    clerk = first_password_changed(server, "office.zheng", "Zheng-initial-0301", "Zheng-duban-2026")
    director = first_password_changed(server, "office.wu", "Wu-initial-0301", "Wu-director-2026")

    # two directives, each handed by the director to 钱会计 himself
    items = []
    for title in ("核对一季度差旅费报销", "整理年度预算执行材料"):
        r = clerk.post("/instances", json={"definition": "directive", "subject": {
            "title": title, "instruction": "请财务部办理。", "lead_unit": "finance", "due": "2026-03-20"}})
        assert r.status_code == 201, r.text
        items.append(r.json()["id"])
        register = [t for t in clerk.get("/me/tasks").json() if t["step"] == "register"][0]
        assert clerk.post(f"/tasks/{register['id']}/actions/submit", json={"version": register["version"]}
                          ).status_code == 200
        assign = [t for t in director.get("/me/tasks").json() if t["step"] == "assign"][0]
        r = director.post(f"/tasks/{assign['id']}/actions/assign",
                          json={"version": assign["version"], "lead": "finance.qian", "co": [], "due": "2026-03-20"})
        assert r.status_code == 200, r.text
    qian_tasks = [t["id"] for t in staff["finance.qian"].get("/me/tasks").json()]
    assert len(qian_tasks) == 2

    # 赵处长 goes on leave for a fortnight and names 孙出纳 her proxy (代理); a directive reaches her meanwhile
    today = clock.now().date()
    r = staff["finance.zhao"].post("/me/proxies", json={"to": "finance.sun", "from": today.isoformat(),
                                                        "until": (today + timedelta(days=14)).isoformat(),
                                                        "note": "休年假"})
    assert r.status_code == 201, r.text
    r = clerk.post("/instances", json={"definition": "directive", "subject": {
        "title": "报送预算调整方案", "instruction": "请财务部赵处长牵头。", "lead_unit": "finance", "due": "2026-03-20"}})
    leave_item = r.json()["id"]
    register = [t for t in clerk.get("/me/tasks").json() if t["step"] == "register"][0]
    clerk.post(f"/tasks/{register['id']}/actions/submit", json={"version": register["version"]})
    assign = [t for t in director.get("/me/tasks").json() if t["step"] == "assign"][0]
    assert director.post(f"/tasks/{assign['id']}/actions/assign", json={
        "version": assign["version"], "lead": "finance.zhao", "co": [], "due": "2026-03-20"}).status_code == 200
    [for_her] = [t for t in staff["finance.sun"].get("/me/tasks").json() if t["instance_id"] == leave_item]
    assert for_her["on_behalf_of_login"] == "finance.zhao" and for_her["on_behalf_of"] == "赵处长"
    assert staff["finance.sun"].post(f"/tasks/{for_her['id']}/actions/accept",
                                     json={"version": for_her["version"]}).status_code == 200
    [for_her] = [t for t in staff["finance.sun"].get("/me/tasks").json() if t["instance_id"] == leave_item]
    r = staff["finance.sun"].post(f"/tasks/{for_her['id']}/actions/progress",
                                  json={"version": for_her["version"], "text": "方案初稿已完成", "percent": 50})
    assert r.status_code == 200, r.text
    texts = [e["text"] for e in admin.get(f"/instances/{leave_item}").json()["timeline"]]
    assert any("孙出纳（代赵处长）" in x for x in texts[-2:]), texts

    # 钱会计 leaves: his account stops at once, his open tasks go to 孙出纳
    r = admin.patch("/admin/people/finance.qian", json={"active": False, "handover_to": "finance.sun"})
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False and sorted(t["task"] for t in r.json()["handed_over"]) == sorted(qian_tasks)
    assert staff["finance.qian"].get("/me/tasks").status_code == 401
    assert httpx.post(f"{server}/auth/token", data={"username": "finance.qian",
                                                    "password": "Caiwu-qian-new-pw"}).status_code == 401
    sun_tasks = [t for t in staff["finance.sun"].get("/me/tasks").json() if not t.get("on_behalf_of")]
    assert sorted(t["instance_id"] for t in sun_tasks) == sorted(items)
    assert all(t["holder"] == {"person": "finance.sun"} and t["due_at"].startswith("2026-03-20") for t in sun_tasks)

    audit = admin.get("/audit", params={"person": "admin"}).json()["events"]
    leaving = [e for e in audit if e["kind"] == "person_disabled"]
    assert len(leaving) == 1
    assert sorted(t["task"] for t in leaving[0]["data"]["handover"]["tasks"]) == sorted(qian_tasks)
    assert leaving[0]["data"]["handover"]["to"] == {"person": "finance.sun"}
    assert "批量转办 2 项待办给 孙出纳" in leaving[0]["text"]
    assert "argon2" not in repr(audit)
    for item in items:
        timeline = admin.get(f"/instances/{item}").json()["timeline"]
        assert timeline[-1]["kind"] == "handover" and "钱会计停用账号" in timeline[-1]["text"]
        assert "孙出纳" in timeline[-1]["text"]
