"""Where the office's files live: a directory beside the database or an S3-compatible bucket (here a local S3 server),
the same behaviour from both — content stored once under its sha256, read back whole, listed for the clean-up — and
a scanned 来文 uploaded over the real server into the bucket."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from api.app import create_app
from engine.cli.main import main
from engine.runtime import attachments
from engine.runtime.filestore import DirectoryStore, S3Store, store_for
from tests.api.test_attachments_server import register_document, scanned_pdf, signed_in
from tests.support import s3
from tests.support.servers import serving


@pytest.fixture(params=["directory", "s3"])
def file_store(request, tmp_path):
    if request.param == "directory":
        yield DirectoryStore(tmp_path / "files")
        return
    with s3.s3_server("office-files") as endpoint:
        yield S3Store("s3://office-files/duban", endpoint=endpoint, access_key=s3.KEY, secret_key=s3.SECRET,
                      region=s3.REGION)


def test_a_file_is_stored_once_and_read_back_whole(file_store, tmp_path):
    body = scanned_pdf() * 100
    sha = hashlib.sha256(body).hexdigest()
    src = tmp_path / "scan.pdf"
    src.write_bytes(body)
    assert not file_store.has(sha)
    file_store.put(sha, src)
    file_store.put(sha, src)  # the same content again: still one blob
    assert file_store.has(sha) and [b.sha256 for b in file_store.blobs()] == [sha]
    with file_store.open(sha) as f:
        assert f.read() == body
    file_store.delete(sha)
    assert not file_store.has(sha) and list(file_store.blobs()) == []
    with pytest.raises(ValueError):
        file_store.has("../../etc/passwd")


def test_the_clerk_uploads_a_scan_into_the_bucket(api_site, monkeypatch):
    with s3.s3_server("office-files") as endpoint:
        for name, value in {"DUBAN_FILES": "s3://office-files/duban", "DUBAN_S3_ENDPOINT": endpoint,
                            "DUBAN_S3_ACCESS_KEY": s3.KEY, "DUBAN_S3_SECRET_KEY": s3.SECRET}.items():
            monkeypatch.setenv(name, value)
        with serving(create_app(api_site)) as base:
            clerk = signed_in(f"{base}/api/v1", "clerk")
            item = register_document(clerk)
            r = clerk.post(f"/instances/{item['id']}/attachments",
                           files={"file": ("来文扫描件.pdf", scanned_pdf(), "application/pdf")})
            assert r.status_code == 201, r.text
            got = clerk.get(f"/attachments/{r.json()['id']}/content")
            assert got.status_code == 200 and got.content == scanned_pdf()
        store = store_for(api_site.eng)
        assert isinstance(store, S3Store) and [b.sha256 for b in store.blobs()] == [r.json()["sha256"]]
        keys = [o["Key"] for o in store.client.list_objects_v2(Bucket="office-files")["Contents"]]
        sha = r.json()["sha256"]
        assert keys == [f"duban/{sha[:2]}/{sha[2:4]}/{sha}"]


def test_the_clean_up_removes_only_old_bytes_no_file_refers_to(api_site, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    store = store_for(api_site.eng)
    kept = attachments.Received(tmp_path / "kept.pdf", 0, "")
    kept.path.write_bytes(scanned_pdf("kept"))
    kept.size, kept.sha256 = kept.path.stat().st_size, hashlib.sha256(kept.path.read_bytes()).hexdigest()
    iid = api_site.start("incoming_document", {"title": "来文", "sender": "市政府办公厅",
                                               "received_on": "2026-03-02"}, "clerk")
    row = attachments.accept(api_site, instance_id=iid, login="clerk", name="来文.pdf", note=None, got=kept)
    attachments.remove(api_site, row["id"], "clerk", "重复上传")  # removed: its bytes still stay
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("上传中断留下的文件")
    orphan_sha = hashlib.sha256(orphan.read_bytes()).hexdigest()
    store.put(orphan_sha, orphan)  # bytes written, but the row's transaction never committed

    now = datetime.now(timezone.utc)
    assert attachments.collect_garbage(api_site, now) == []  # within the grace period: nothing goes
    assert attachments.collect_garbage(api_site, now + timedelta(hours=25)) == [orphan_sha]
    assert store.has(kept.sha256) and not store.has(orphan_sha)


def test_duban_files_gc_removes_what_an_interrupted_upload_left(database_url, site, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("上传中断留下的文件")
    sha = hashlib.sha256(orphan.read_bytes()).hexdigest()
    store_for(site.eng).put(sha, orphan)
    assert main(["files", "gc", "--db", database_url]) == 0
    assert "removed 0" in capsys.readouterr().out  # still within the grace period
    assert main(["files", "gc", "--grace-hours", "0", "--db", database_url]) == 0
    assert sha in capsys.readouterr().out and not store_for(site.eng).has(sha)
