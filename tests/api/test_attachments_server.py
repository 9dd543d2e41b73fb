"""Attachments (附件) over the real server: the clerk registers a 来文 with its scanned PDF, the file's Chinese name
comes back intact, an uninvolved colleague of another unit gets 404 on the file's URL, a program renamed .pdf and
a file over 50 MB are refused with nothing stored, and a file removed with a reason stays in the store and in the
audit trail."""
from __future__ import annotations

import io
from urllib.parse import quote

import docx
import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from api.uploads import is_upload
from engine.runtime.filestore import store_for
from engine.store.tables import Attachment, Event
from tests.support.office import PASSWORD
from tests.support.servers import serving


def scanned_pdf(words: str = "Notice on the safety inspection") -> bytes:
    """A one-page PDF with a line of text, as a scanner's OCR would leave it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({words}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def report_docx(text: str) -> bytes:
    d = docx.Document()
    d.add_paragraph(text)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@pytest.fixture
def files_dir(tmp_path, monkeypatch):
    where = tmp_path / "files"
    monkeypatch.setenv("DUBAN_FILES", str(where))
    return where


@pytest.fixture
def server(api_site, files_dir):
    with serving(create_app(api_site)) as base:
        yield f"{base}/api/v1"


def signed_in(base: str, login: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30)
    r = http.post("/auth/token", data={"username": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return http


def register_document(clerk: httpx.Client) -> dict:
    r = clerk.post("/instances", json={"definition": "incoming_document", "subject": {
        "title": "关于开展安全生产大检查的通知", "sender": "市应急管理局", "doc_number": "应急〔2026〕8号",
        "received_on": "2026-03-02", "due": "2026-03-20"}})
    assert r.status_code == 201, r.text
    return r.json()


def test_the_clerk_registers_a_document_with_its_scanned_pdf(server, api_site):
    clerk, stranger = signed_in(server, "clerk"), signed_in(server, "hr.staff1")
    item = register_document(clerk)
    name = "应急〔2026〕8号 关于开展安全生产大检查的通知.pdf"
    r = clerk.post(f"/instances/{item['id']}/attachments", files={"file": (name, scanned_pdf(), "application/pdf")},
                   data={"note": "来文扫描件"})
    assert r.status_code == 201, r.text
    up = r.json()
    assert (up["name"], up["content_type"], up["uploaded_by"]) == (name, "application/pdf", "clerk")

    listed = clerk.get(f"/instances/{item['id']}/attachments").json()
    assert [a["id"] for a in listed] == [up["id"]] and listed[0]["note"] == "来文扫描件"

    got = clerk.get(f"/attachments/{up['id']}/content")
    assert got.status_code == 200 and got.content == scanned_pdf()
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("inline;") and f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert disposition.encode("latin-1")  # the fallback name is plain ASCII

    assert stranger.get(f"/attachments/{up['id']}/content").status_code == 404
    assert stranger.get(f"/instances/{item['id']}/attachments").status_code == 404
    assert stranger.post(f"/instances/{item['id']}/attachments",
                         files={"file": ("x.pdf", scanned_pdf(), "application/pdf")}).status_code == 404

    with api_site.eng.connect() as conn:
        text = conn.execute(sa.select(Attachment.__table__.c.text)).scalar_one()
    assert "safety inspection" in text  # extracted at upload, for search
    found = clerk.get("/search", params={"q": "safety inspection"}).json()  # the scan's text finds the document
    assert [r["id"] for r in found["results"]] == [item["id"]]
    assert stranger.get("/search", params={"q": "safety inspection"}).json()["total"] == 0


def test_a_completion_report_in_word_is_kept_once_by_content(server, api_site):
    clerk = signed_in(server, "clerk")
    item = register_document(clerk)
    body = report_docx("财务部已完成自查，整改三项。")
    ids = []
    for name in ("办结报告.docx", "办结报告（副本）.docx"):
        r = clerk.post(f"/instances/{item['id']}/attachments", files={"file": (name, body, "application/msword")})
        assert r.status_code == 201, r.text
        assert r.json()["content_type"].endswith("wordprocessingml.document")  # by content, not the declared type
        ids.append(r.json()["id"])
    store = store_for(api_site.eng)
    assert [b.sha256 for b in store.blobs()] == [r.json()["sha256"]]  # identical content stored once
    with api_site.eng.connect() as conn:
        texts = conn.execute(sa.select(Attachment.__table__.c.text)).scalars().all()
    assert all("整改三项" in t for t in texts)


def test_a_program_renamed_pdf_and_an_empty_file_are_refused(server, files_dir):
    clerk = signed_in(server, "clerk")
    item = register_document(clerk)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(range(256)) * 40
    r = clerk.post(f"/instances/{item['id']}/attachments", files={"file": ("通知.pdf", exe, "application/pdf")})
    assert r.status_code == 422, r.text
    assert "不支持该文件类型" in r.json()["error"]["message"]
    r = clerk.post(f"/instances/{item['id']}/attachments", files={"file": ("空.txt", b"", "text/plain")})
    assert r.status_code == 422 and "文件为空" in r.json()["error"]["message"]
    assert clerk.get(f"/instances/{item['id']}/attachments").json() == []
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_a_60_mb_scan_is_refused_while_it_streams(server, files_dir):
    clerk = signed_in(server, "clerk")
    item = register_document(clerk)
    boundary = "duban-test-boundary"

    def body():  # 60 MB sent in 1 MB pieces: never held whole by the test
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.pdf\"\r\n"
               f"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n").encode()
        piece = b"0" * (1 << 20)
        for _ in range(60):
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    r = clerk.post(f"/instances/{item['id']}/attachments", content=body(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 413, r.text
    assert "50 MB" in r.json()["error"]["message"]
    assert clerk.get(f"/instances/{item['id']}/attachments").json() == []
    assert not any(p.is_file() for p in files_dir.rglob("*"))


def test_a_file_removed_stays_in_the_store_and_the_audit_trail(server, api_site):
    clerk, office = signed_in(server, "clerk"), signed_in(server, "office.staff1")
    item = register_document(clerk)
    up = clerk.post(f"/instances/{item['id']}/attachments",
                    files={"file": ("错传的文件.txt", "这不是来文".encode("gb18030"), "text/plain")}).json()
    assert up["content_type"] == "text/plain; charset=gb18030"
    refused = office.request("DELETE", f"/attachments/{up['id']}", json={"reason": "看着不对"})
    assert refused.status_code == 403  # neither the uploader nor the office's clerk
    r = clerk.request("DELETE", f"/attachments/{up['id']}", json={"reason": "上传错了文件"})
    assert r.status_code == 200, r.text
    assert (r.json()["removed_by"], r.json()["removed_reason"]) == ("clerk", "上传错了文件")
    assert clerk.get(f"/instances/{item['id']}/attachments").json() == []
    assert clerk.get(f"/attachments/{up['id']}/content").status_code == 404
    assert store_for(api_site.eng).has(up["sha256"])  # the bytes stay
    with api_site.eng.connect() as conn:
        kinds = conn.execute(sa.select(Event.__table__.c.kind, Event.__table__.c.message_zh)
                             .where(Event.__table__.c.instance_id == item["id"])).all()
    removed = [z for k, z in kinds if k == "attachment_removed"]
    assert len(removed) == 1 and "上传错了文件" in removed[0] and "错传的文件.txt" in removed[0]


def test_the_scan_goes_with_the_registration_itself(server):
    clerk, leader = signed_in(server, "clerk"), signed_in(server, "leader")
    scan = clerk.post("/attachments", files={"file": ("来文.pdf", scanned_pdf(), "application/pdf")}).json()
    assert scan["instance_id"] is None and scan["origin"] == "registration"
    assert clerk.get(f"/attachments/{scan['id']}/content").status_code == 404  # not downloadable before it is filed
    staff = signed_in(server, "hr.staff1")
    assert staff.post("/attachments", files={"file": ("x.pdf", scanned_pdf(), "application/pdf")}).status_code == 403
    subject = {"title": "关于报送年度总结的通知", "sender": "市政府办公厅", "received_on": "2026-03-02"}
    # the leader may not register the clerk's scan as their own
    r = leader.post("/instances", json={"definition": "directive", "attachments": [scan["id"]], "subject": {
        "title": "批示", "instruction": "阅", "leader": "leader", "lead_unit": "finance", "due": "2026-03-20"}})
    assert r.status_code == 422 and r.json()["error"]["details"]["field"] == "attachments"
    r = clerk.post("/instances", json={"definition": "incoming_document", "subject": subject,
                                       "attachments": [scan["id"]]})
    assert r.status_code == 201, r.text
    item = r.json()
    assert [(a["name"], a["origin"]) for a in item["attachments"]] == [("来文.pdf", "registration")]
    registered = [e for e in item["timeline"] if e["kind"] == "attachment_added"]
    assert registered[0]["attachments"][0]["id"] == scan["id"] and "来文.pdf" in registered[0]["text"]
    assert leader.get(f"/attachments/{scan['id']}/content").status_code == 200
    again = clerk.post("/instances", json={"definition": "incoming_document", "subject": subject,
                                           "attachments": [scan["id"]]})
    assert again.status_code == 422  # a file goes with one registration


def test_the_upload_routes_are_known_to_the_body_limit():
    assert all(is_upload("POST", p) for p in ("/api/v1/instances/12/attachments", "/api/v1/attachments",
                                               "/ui/tasks/3/files", "/ui/items/4/files", "/ui/files"))
    assert not any(is_upload(m, p) for m, p in (("GET", "/api/v1/attachments"), ("POST", "/api/v1/instances"),
                                                ("POST", "/api/v1/attachments/5/content"),
                                                ("POST", "/api/v1/instances/1/attachments/x")))
