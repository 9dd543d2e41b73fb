"""The attachments' bytes in a backup: `duban backup PATH` also writes `PATH.files/` (every stored content an
attachment row refers to, by sha256, and `manifest.json` with each one's size), and `duban restore PATH` puts them
back into the site's file store (DUBAN_FILES), checking every hash first (before the database is replaced): a damaged
or missing file is named and nothing is restored. engine.cli.backup calls `backup_files` and `restore_files`, one
line each."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from engine.runtime.filestore import CHUNK, store_for
from engine.store import attachments as attachment_store, db
from engine.store.backup import BackupError

MANIFEST = "manifest.json"


def files_dir(path: Path) -> Path:
    """Where the files of the backup at `path` are kept: `PATH.files/` beside it."""
    return path.with_name(path.name + ".files")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def backup_files(url: str, target: Path) -> str:
    """Copy every referenced content of the site at `url` into `target.files/`, each checked against its hash."""
    eng = db.make_engine(url)
    try:
        with db.read(eng) as conn:
            wanted = attachment_store.all_hashes(conn=conn)
        store = store_for(eng)
        out = files_dir(target)
        out.mkdir(parents=True, exist_ok=False)
        missing = []
        for sha, _size in wanted:
            dest = out / sha
            try:
                with store.open(sha) as src, open(dest, "wb") as f:
                    shutil.copyfileobj(src, f, CHUNK)
            except FileNotFoundError:
                missing.append(sha)
                continue
            if _sha256(dest) != sha:
                raise BackupError(f"stored file {sha} does not match its hash; the file store is damaged")
        (out / MANIFEST).write_text(json.dumps({"files": [{"sha256": s, "size": n} for s, n in wanted
                                                          if s not in missing]}, indent=1))
    finally:
        eng.dispose()
    note = f"; {len(missing)} missing from the store: {', '.join(m[:12] for m in missing)}" if missing else ""
    return f"backed up {len(wanted) - len(missing)} attachment file(s) to {out}{note}"


def restore_files(url: str, source: Path) -> str:
    """Put the files of the backup at `source` into the site's file store, every hash checked first; a backup made
    before attachments existed (no `.files/`) restores none."""
    src = files_dir(source)
    if not (src / MANIFEST).is_file():
        return "no attachment files in this backup"
    listed = json.loads((src / MANIFEST).read_text())["files"]
    bad = [f["sha256"] for f in listed if not (src / f["sha256"]).is_file() or _sha256(src / f["sha256"]) != f["sha256"]]
    if bad:
        raise BackupError(f"{len(bad)} attachment file(s) of the backup are missing or damaged: "
                          f"{', '.join(b[:12] for b in bad)}; nothing was restored, the database neither")
    eng = db.make_engine(url)
    try:
        store = store_for(eng)
        for f in listed:
            store.put(f["sha256"], src / f["sha256"])
    finally:
        eng.dispose()
    return f"restored {len(listed)} attachment file(s) into {store.where}"
