"""Files sent with what people write (进展、办结、延期申请): the lead's head attaches the Word completion report to
the 办结 and the timeline links it; a file can go with one entry only, and only its uploader may send it. The clerk
then finds the item by a phrase that is only inside the Word file; an uninvolved head finds nothing."""
from __future__ import annotations

import pytest

from api.app import create_app
from tests.api.test_attachments_server import report_docx, scanned_pdf, signed_in
from tests.support.servers import serving


@pytest.fixture
def server(api_site, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    with serving(create_app(api_site)) as base:
        yield f"{base}/api/v1"


def my_task(http, step: str, kind: str = "work") -> dict:
    tasks = [t for t in http.get("/me/tasks").json() if t["step"] == step and t["kind"] == kind]
    assert len(tasks) == 1, tasks
    return tasks[0]


def act(http, task: dict, action: str, expect: int = 200, **fields) -> dict:
    r = http.post(f"/tasks/{task['id']}/actions/{action}", json={"version": task["version"], **fields})
    assert r.status_code == expect, r.text
    return r.json()


def upload(http, item_id: int, name: str, body: bytes) -> dict:
    r = http.post(f"/instances/{item_id}/attachments", files={"file": (name, body, "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_lead_attaches_the_word_report_to_the_completion(server):
    leader, clerk, office = signed_in(server, "leader"), signed_in(server, "clerk"), signed_in(server, "office")
    head, other = signed_in(server, "finance.head"), signed_in(server, "hr.head")
    item = leader.post("/instances", json={"definition": "directive", "subject": {
        "title": "落实安全生产大检查", "instruction": "请财务部牵头开展自查。", "leader": "leader",
        "lead_unit": "finance", "co_units": [], "due": "2026-03-20"}}).json()
    act(clerk, my_task(clerk, "register"), "submit")
    act(office, my_task(office, "assign"), "assign", lead="finance", co=[], due="2026-03-20")
    act(head, my_task(head, "handle"), "accept")

    photo = upload(head, item["id"], "现场照片.pdf", scanned_pdf("site photos"))
    act(head, my_task(head, "handle"), "progress", text="已完成自查", percent=50, attachments=[photo["id"]])
    # sent once: it cannot go with a second entry
    refused = act(head, my_task(head, "handle"), "progress", expect=422, text="再次提交", attachments=[photo["id"]])
    assert refused["error"]["details"]["field"] == "attachments"

    report = upload(head, item["id"], "自查整改报告.docx", report_docx("财务部自查整改报告：共排查消防通道隐患七处"))
    leaders_note = upload(leader, item["id"], "批示原件.pdf", scanned_pdf("instruction"))
    refused = act(head, my_task(head, "handle"), "complete", expect=422, report="办结",
                  attachments=[report["id"], leaders_note["id"]])  # the leader's file is not the head's to send
    assert "不是您上传" in refused["error"]["message"]
    assert act(head, my_task(head, "handle"), "complete", expect=422, report="办结",
               attachments=list(range(1, 23)))["error"]["details"]["field"] == "attachments"  # at most 20
    act(head, my_task(head, "handle"), "complete", report="检查完毕，整改报告附后", attachments=[report["id"]])

    seen = clerk.get(f"/instances/{item['id']}").json()
    origins = {a["name"]: a["origin"] for a in seen["attachments"]}
    assert origins == {"现场照片.pdf": "progress", "自查整改报告.docx": "complete", "批示原件.pdf": "item"}
    entry = next(e for e in seen["entries"] if e["kind"] == "report")
    assert [f["name"] for f in entry["attachments"]] == ["自查整改报告.docx"]
    completed = next(e for e in seen["timeline"] if e["kind"] == "complete")
    assert completed["attachments"][0]["url"] == f"/api/v1/attachments/{report['id']}/content"
    assert clerk.get(completed["attachments"][0]["url"].removeprefix("/api/v1")).status_code == 200

    # the phrase is nowhere but inside the Word file: the clerk finds the item by it, the HR head finds nothing
    found = clerk.get("/search", params={"q": "消防通道隐患"}).json()
    assert [r["id"] for r in found["results"]] == [item["id"]] and found["total"] == 1
    assert {m["source"] for m in found["results"][0]["matches"]} == {"attachment"}
    nothing = other.get("/search", params={"q": "消防通道隐患"}).json()
    assert nothing["results"] == [] and nothing["total"] == 0
    # the HR head takes no part in the item: for them it and its files do not exist
    r = other.post(f"/instances/{item['id']}/attachments", files={"file": ("x.txt", b"hello", "text/plain")})
    assert r.status_code == 404
    assert other.get(completed["attachments"][0]["url"].removeprefix("/api/v1")).status_code == 404

    # the clerk verifies: the ledger and the board count the item as completed with its material
    act(clerk, my_task(clerk, "verify"), "approve", comment="材料齐全，同意销号")
    lines = clerk.get("/supervision/ledger.csv").text.lstrip("\ufeff").splitlines()
    row = next(r for r in lines if "落实安全生产大检查" in r).split(",")
    assert row[lines[0].split(",").index("办结材料")] == "有"  # the completion came with its material
    counts = leader.get("/supervision/summary").json()["counts"]
    assert (counts["with_material"], counts["without_material"]) == (1, 0)
