"""The people administration API as the office's administrator and its staff meet it: bad rows of a spreadsheet
named by row and column with nothing imported, the template to fill in, units renamed, limits stated in the
OpenAPI, and everyone else refused."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.office import V1

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_import_with_two_bad_rows_imports_nothing_and_names_both_rows(api):
    csv = ("登录名,姓名,单位,角色,类别,邮箱,手机\n"
           "finance.qian,钱会计,财务部,科员,,qian@example.cn,\n"
           "finance.li,李会计,财务部,科员,,not-an-address,\n"
           "finance.zhou,,财务部,科员,,,\n").encode("utf-8")
    r = api.post("/admin/people/import", "admin", files={"file": ("财务部.csv", csv, "text/csv")})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_sheet" and err["details"]["fields"] == ["file"]
    assert [(x["row"], x["column"]) for x in err["details"]["rows"]] == [(3, "邮箱"), (4, "姓名")]
    assert all(x["message_zh"] and x["message_en"] for x in err["details"]["rows"])
    english = api.post("/admin/people/import", "admin", files={"file": ("财务部.csv", csv, "text/csv")},
                       headers={"Accept-Language": "en"}).json()["error"]["message"]
    assert "row(s) 3, 4" in english and "nobody was imported" in english
    logins = [p["login"] for p in api.ok("GET", "/admin/people", "admin", params={"unit": "finance"})]
    assert "finance.qian" not in logins


def test_the_template_lists_the_columns_and_the_sites_codes(api):
    r = api.get("/admin/people/import-template.xlsx", "admin")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb["人员"][1]] == ["登录名", "姓名", "单位", "角色", "类别", "邮箱", "手机"]
    notes = [row[0] for row in wb["说明"].iter_rows(values_only=True)]
    assert "finance" in notes and "unit_head" in notes


def test_a_unit_is_added_and_renamed_and_a_bad_code_is_refused(api):
    assert api.ok("POST", "/admin/units", "admin", 201, json={"code": "audit", "name": "审计处"})["name_en"] == ""
    r = api.request("PATCH", "/admin/units/audit", "admin", json={"name_en": "Audit Office"})
    assert r.status_code == 200 and r.json() == {"code": "audit", "name": "审计处", "name_en": "Audit Office"}
    bad = api.post("/admin/units", "admin", json={"code": "Audit Office", "name": "审计处"})
    assert bad.status_code == 422 and bad.json()["error"]["details"]["fields"] == ["code"]
    again = api.post("/admin/units", "admin", json={"code": "audit", "name": "审计处"})
    assert again.status_code == 422 and "exists" in api.post(
        "/admin/units", "admin", json={"code": "audit", "name": "审计处"}, headers={"Accept-Language": "en"}).text


def test_a_person_is_edited_in_the_administrators_terms(api):
    r = api.request("PATCH", "/admin/people/finance.staff1", "admin",
                    json={"roles": ["科员", "督办员"], "email": "zheng@example.cn", "wecom_userid": "ZhengKuaiji"})
    assert r.status_code == 200, r.text
    assert r.json()["roles"] == ["staff", "clerk"] and r.json()["wecom_userid"] == "ZhengKuaiji"
    r = api.request("PATCH", "/admin/people/finance.staff1", "admin", json={"unit": "审计处"})
    assert r.status_code == 422 and "没有单位“审计处”" in r.json()["error"]["message"]
    assert api.request("PATCH", "/admin/people/nobody.here", "admin", json={"name": "无"}).status_code == 404


def test_everyone_but_the_administrator_is_refused(api):
    for method, path, body in (("GET", "/admin/people", None), ("POST", "/admin/units", {"code": "x", "name": "x"}),
                               ("POST", "/admin/people/finance.staff1/password", {"password": "Caiwu-reset-2026"}),
                               ("PATCH", "/admin/people/finance.staff2", {"active": False})):
        r = api.request(method, path, "finance.head", json=body)
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed", (path, r.text)


def test_the_openapi_states_every_limit(api):
    schemas = api.client.get(f"{V1}/openapi.json").json()["components"]["schemas"]
    create = schemas["PersonCreate"]["properties"]
    assert create["login"]["maxLength"] == 64 and create["name"]["maxLength"] == 64
    assert create["roles"]["maxItems"] == 7 and create["email"]["anyOf"][0]["maxLength"] == 254
    assert schemas["PasswordChange"]["properties"]["new"]["maxLength"] == 256
    ops = api.client.get(f"{V1}/openapi.json").json()["paths"]["/api/v1/admin/people/import"]["post"]
    assert "5000 rows" in str(ops) and "5 MB" in str(ops)


def test_a_newcomer_is_refused_in_the_administrators_words(api):
    r = api.post("/admin/people", "admin", json={"login": "Qian Li", "name": "钱会计", "unit": "finance"})
    assert r.status_code == 422 and "小写字母开头" in r.json()["error"]["message"]
    r = api.post("/admin/people", "admin", json={"login": "clerk", "name": "重名", "unit": "finance"})
    assert r.status_code == 422 and "登录名“clerk”已被使用" in r.json()["error"]["message"]
    r = api.post("/admin/people", "admin", json={"login": "finance.qian", "name": "钱会计", "unit": "finance",
                                                 "roles": ["会计"]}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("roles: no role '会计'")
    r = api.post("/admin/people", "admin", json={"login": "finance.qian", "name": "钱会计", "unit": "finance",
                                                 "password": "finance.qian1"})
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["password"]
    created = api.ok("POST", "/admin/people", "admin", 201, json={
        "login": "finance.qian", "name": "钱会计", "unit": "财务部", "roles": ["科员"], "phone": "13800000002",
        "dingtalk_userid": "qian001", "password": "Caiwu-chushi-2026"})
    assert created["unit"] == "finance" and created["must_change_password"] and created["has_password"]


def test_an_upload_over_five_megabytes_is_refused_before_it_is_read(api):
    big = b"x" * (5 * 1024 * 1024 + 70 * 1024)
    r = api.post("/admin/people/import", "admin", files={"file": ("huge.csv", big, "text/csv")})
    assert r.status_code == 413 and r.json()["error"]["code"] == "body_too_large"
    assert "最多 5 MB" in r.json()["error"]["message"]
    r = api.post("/admin/people/import", "admin", data={"note": "no file"})
    assert r.status_code == 422 and r.json()["error"]["details"]["fields"] == ["file"]
