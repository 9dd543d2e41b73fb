"""`duban backup` keeps the office's files beside the database copy and `duban restore` puts them back, checking
every file's hash: a scanned 来文 lost from the file store comes back; a damaged copy in the backup is named and
refused."""
from __future__ import annotations

import hashlib
import shutil

from engine.cli.main import main
from engine.runtime import attachments
from engine.runtime.filestore import store_for


def upload(site, tmp_path, iid: int, name: str, body: bytes) -> dict:
    path = tmp_path / "incoming.bin"
    path.write_bytes(body)
    got = attachments.Received(path, len(body), hashlib.sha256(body).hexdigest())
    return attachments.accept(site, instance_id=iid, login="clerk", name=name, note=None, got=got)


def test_the_files_come_back_with_the_database(site, database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DUBAN_FILES", str(tmp_path / "files"))
    iid = site.start("incoming_document", {"title": "关于报送年度总结的通知", "sender": "市政府办公厅",
                                           "received_on": "2026-03-02"}, "clerk")
    scan = upload(site, tmp_path, iid, "来文扫描件.txt", "关于报送年度总结的通知（扫描件）".encode())
    gone = upload(site, tmp_path, iid, "错传.txt", "错传的文件".encode())
    attachments.remove(site, gone["id"], "clerk", "上传错了")  # removed files are backed up too: rows refer to them

    assert main(["backup", str(tmp_path / "b.db"), "--db", database_url]) == 0
    assert "backed up 2 attachment file(s)" in capsys.readouterr().out

    shutil.rmtree(tmp_path / "files")  # the disk holding the files is lost
    store = store_for(site.eng)
    assert not store.has(scan["sha256"])
    assert main(["restore", str(tmp_path / "b.db"), "--db", database_url, "--yes"]) == 0
    assert "restored 2 attachment file(s)" in capsys.readouterr().out
    assert store.has(scan["sha256"]) and store.has(gone["sha256"])
    with attachments.files(site).open(scan["sha256"]) as f:
        assert f.read().decode() == "关于报送年度总结的通知（扫描件）"

    (tmp_path / "b.db.files" / scan["sha256"]).write_bytes(b"damaged")
    assert main(["restore", str(tmp_path / "b.db"), "--db", database_url, "--yes"]) == 2
    err = capsys.readouterr().err
    assert "missing or damaged" in err and scan["sha256"][:12] in err and "the database neither" in err
