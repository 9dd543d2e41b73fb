"""A meeting's decisions arrive as a list (会议纪要督办清单): the clerk downloads the template, fills it in the way the
office writes (财务部, 王局长, 会议决定), tries a dry run, then imports all twelve; a list with two bad rows imports
nothing and names both rows and their columns, in the registration form's words."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

HEADER = ["事项", "批示内容/会议要求", "主办单位", "协办单位", "办理时限", "批示领导", "来源", "督办级别"]
UNITS = ["财务部", "人力资源部", "信息技术部", "客户服务部", "办公室", "finance"]


def meeting_list(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def twelve_decisions() -> list[list[str]]:
    rows = []
    for n in range(1, 13):
        lead = UNITS[n % len(UNITS)]
        co = "人力资源部、信息技术部" if lead not in ("人力资源部", "信息技术部") else "办公室"
        rows.append([f"第{n}项：落实三月办公会议决定", f"会议要求：第{n}项工作三月底前完成并报送。", lead, co,
                     f"2026-03-{10 + n}", "王局长" if n % 2 else "leader", "会议决定", ""])
    return rows


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(api, content: bytes, who="clerk", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.post(f"/instances/import{'?' + query if query else ''}", who,
                    files={"file": ("三月办公会议督办清单.xlsx", content, XLSX)})


def count_items(api) -> int:
    return int(api.get("/instances?per_page=1", "admin").headers["X-Total-Count"])


def test_a_twelve_row_meeting_list_imports_after_a_dry_run(api):
    before = count_items(api)
    content = meeting_list(twelve_decisions())
    dry = post(api, content, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["count"] == 12
    first = dry.json()["items"][0]
    assert first["row"] == 2 and first["subject"]["lead_unit"] == "hr" and first["subject"]["leader"] == "leader"
    assert first["subject"]["co_units"] == ["office"] and first["subject"]["source"] == "meeting"
    assert count_items(api) == before  # a dry run creates nothing

    done = post(api, content)
    assert done.status_code == 200, done.text
    ids = [i["id"] for i in done.json()["items"]]
    assert len(ids) == 12 and count_items(api) == before + 12
    item = api.get(f"/instances/{ids[4]}", "clerk").json()  # row 6: the lead written by its code
    assert item["title"] == "第5项：落实三月办公会议决定" and item["subject"]["lead_unit"] == "finance"
    assert item["subject"]["due"] == "2026-03-15" and item["subject"]["source"] == "meeting"
    # the ledger's 来源/批示领导 column says where it came from and who instructed
    ledger = api.get("/supervision/ledger.csv", "clerk")
    assert "会议决定 / 王局长" in ledger.content.decode("utf-8-sig")


def test_a_list_with_two_bad_rows_imports_nothing_and_names_both(api):
    before = count_items(api)
    rows = twelve_decisions()
    rows[3][2] = "宣传部"          # row 5: no such unit
    rows[7][4] = "2026-02-27"     # row 9: a due date already past
    r = post(api, meeting_list(rows))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_sheet" and "未导入任何事项" in err["message"]
    named = [(p["row"], p["column"], p["message_zh"]) for p in err["details"]["rows"]]
    assert named == [(5, "主办单位", "没有单位“宣传部”"), (9, "办理时限", "办理时限不能早于今天")]
    assert count_items(api) == before


def test_the_template_and_the_limits(api):
    r = api.get("/instances/import-template.xlsx", "clerk")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]] == HEADER  # 督办级别 too: the directive has `level`
    assert any(row[0].value == "finance" for row in wb["说明"].iter_rows())
    assert post(api, meeting_list(twelve_decisions()), who="finance.staff1").status_code == 403
    too_many = post(api, meeting_list(twelve_decisions() * 42))  # 504 rows
    assert too_many.status_code == 422 and "最多导入 500 行" in too_many.json()["error"]["details"]["rows"][0]["message_zh"]
    spec = api.get("/openapi.json").json()["paths"]["/api/v1/instances/import"]["post"]
    assert "500 rows" in spec["description"] and "5 MB" in spec["description"]
