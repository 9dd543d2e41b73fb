"""Attachments (附件) in the engine's terms: accept an uploaded file into an item (its kind checked by content, its
text extracted, its bytes stored before its row commits, the upload audited), list an item's files, open one,
remove (hide) one with a reason, and collect the bytes no row refers to. Who may do each is the core's rule
(engine.core.policy.sees / may_upload / may_remove_file) for the caller as a viewer (standing in for others)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from engine.core import policy
from engine.core.states import InputError, NotAllowed, NotFound
from engine.runtime import proxies, sniff
from engine.runtime.filestore import FileStore, store_for
from engine.runtime.site import Site
from engine.settings import settings
from engine.store import attachments as files_store, audit, db, items as item_store, search as search_store
from engine.store.db import Connection

MAX_NAME = 255
MAX_NOTE = 500
ORIGINS = ("registration", "progress", "complete", "comment", "instruct", "extension", "appeal", "opinion", "reading",
           "item")


def max_bytes() -> int:
    """The largest upload (DUBAN_MAX_UPLOAD_MB), in bytes."""
    return settings().max_upload_mb * 1024 * 1024


def files(site: Site) -> FileStore:
    return store_for(site.eng)


def _item_for(site: Site, conn: Connection, instance_id: int, login: str, *, lock: bool = False):
    """(item, confidential, viewer) of an item the caller sees; NotFound otherwise (as if it did not exist)."""
    actor = proxies.actor(site, login, conn)
    viewer = policy.viewer(site.org, actor, actor.acting_for)
    try:
        item = item_store.load_item(conn=conn, item_id=instance_id, definition_of=site.definition, for_update=lock)
    except NotFound:
        raise NotFound("没有这个事项", "no such item", {"instance": instance_id}) from None
    confidential = item_store.confidential_of(item)
    if not policy.sees(viewer, item, confidential):
        raise NotFound("没有这个事项", "no such item", {"instance": instance_id})
    return item, confidential, viewer


def check_may_upload(site: Site, instance_id: int, login: str) -> None:
    """Refuse before any byte is read: NotFound for an item the caller does not see, NotAllowed when they see it
    but take no part in it (policy.may_upload)."""
    with db.read(site.eng) as conn:
        item, confidential, viewer = _item_for(site, conn, instance_id, login)
    if not policy.may_upload(viewer, item, confidential):
        raise NotAllowed("您未参与该事项，不能上传附件", "you take no part in this item and may not add files to it",
                         {"instance": instance_id})


def may_upload(site: Site, instance_id: int, login: str) -> bool:
    """Whether the caller may add files to the item (policy.may_upload), for the item page."""
    try:
        check_may_upload(site, instance_id, login)
        return True
    except (NotFound, NotAllowed):
        return False


def clean_name(name: str | None) -> str:
    """The file's name as shown: its last path part, without control characters, at most MAX_NAME characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c >= " " and c != "\x7f").strip()
    if not base:
        raise InputError("file", "文件名为空", "the file has no name")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        base = (stem[:MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 16 else base[:MAX_NAME]
    return base


@dataclass
class Received:
    """An upload streamed to a temporary file: where, how many bytes and their sha256."""

    path: Path
    size: int
    sha256: str


def receive(chunks, path: Path, limit: int) -> Received | None:
    """Write byte chunks to `path`, counting; None as soon as they pass `limit` (the caller answers 413)."""
    h, n = hashlib.sha256(), 0
    with open(path, "wb") as out:
        for chunk in chunks:
            n += len(chunk)
            if n > limit:
                return None
            h.update(chunk)
            out.write(chunk)
    return Received(path, n, h.hexdigest())


def check_may_register(site: Site, login: str) -> None:
    """A file for a registration (no item yet) is uploaded by someone who may start some item."""
    actor = site.actor(login)
    if not any(policy.may_start(actor, d) for d in site.definitions()):
        raise NotAllowed("您无权登记事项，不能为登记上传附件", "you register no items and may not upload files for one")


def accept(site: Site, *, instance_id: int | None, login: str, name: str, note: str | None, got: Received,
           origin: str = "item") -> dict:
    """Take a received file into an item (`instance_id`; None: for a registration, joined to the item it starts,
    engine.runtime.commands.start): refuse an empty file or one of no accepted kind (InputError, nothing stored),
    extract its text, store its bytes, then insert its row and the audit event in one transaction."""
    name = clean_name(name)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InputError("note", f"说明最多 {MAX_NOTE} 字", f"a note holds at most {MAX_NOTE} characters")
    if got.size == 0:
        raise InputError("file", "文件为空", "the file is empty")
    mime = sniff.content_type(got.path)
    if mime is None:
        raise InputError("file", f"不支持该文件类型（按内容识别）；可上传 {sniff.ACCEPTED_ZH}",
                         f"this kind of file is not accepted (judged by its content); accepted: {sniff.ACCEPTED_EN}")
    text = sniff.extract_text(got.path, mime)
    files(site).put(got.sha256, got.path)  # before the row commits: a failed transaction leaves bytes for gc
    now = site.clock.now()
    with db.write(site.eng) as conn:
        if instance_id is None:
            check_may_register(site, login)
            origin = "registration"
        else:
            item, confidential, viewer = _item_for(site, conn, instance_id, login, lock=True)
        if instance_id is not None and not policy.may_upload(viewer, item, confidential):
            raise NotAllowed("您未参与该事项，不能上传附件",
                             "you take no part in this item and may not add files to it", {"instance": instance_id})
        row = dict(instance_id=instance_id, sha256=got.sha256, name=name, size=got.size, content_type=mime,
                   note=note, origin=origin, uploaded_by=login, uploaded_at=now, text=text)
        aid = files_store.insert(conn=conn, row=row)  # THE one place an attachment row is inserted
        if instance_id is not None:  # a registration's file is indexed when the item it starts is (commands.start)
            search_store.index_attachment(conn=conn, attachment_id=aid, instance_id=instance_id, name=name, text=text,
                                          at=now)
        audit.record(conn=conn, at=now, actor=login, kind="attachment_added", instance_id=instance_id,
                     zh=f"{site.org.person_name(login)}上传附件《{name}》（{_size(got.size)}）",
                     en=f"{site.org.person_name(login, 'en')} added the file '{name}' ({_size(got.size)})",
                     data={"attachment": aid, "sha256": got.sha256, "size": got.size, "name": name})
    return {"id": aid, **{k: v for k, v in row.items() if k != "text"}}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


def of_item(site: Site, instance_id: int, login: str) -> list[dict]:
    """The files of an item the caller sees (not removed), in upload order."""
    with db.read(site.eng) as conn:
        _item_for(site, conn, instance_id, login)
        return files_store.of_item(conn=conn, instance_id=instance_id)


def item_of_task(site: Site, task_id: int) -> int:
    """The item a task belongs to (NotFound when there is no such task)."""
    with db.read(site.eng) as conn:
        return item_store.item_of_task(conn=conn, task_id=task_id)


def removable(site: Site, instance_id: int, login: str) -> set[int]:
    """The ids of the item's files the caller may remove (policy.may_remove_file), for the item page."""
    with db.read(site.eng) as conn:
        item, confidential, viewer = _item_for(site, conn, instance_id, login)
        rows = files_store.of_item(conn=conn, instance_id=instance_id)
    return {r["id"] for r in rows if policy.may_remove_file(viewer, item, confidential, r["uploaded_by"])}


def _visible_row(site: Site, conn: Connection, attachment_id: int, login: str) -> tuple[dict, object, bool, object]:
    row = files_store.get(conn=conn, attachment_id=attachment_id)
    if row is None or row["instance_id"] is None or row["removed_at"] is not None:
        raise NotFound("没有这个附件", "no such file", {"attachment": attachment_id})
    try:
        item, confidential, viewer = _item_for(site, conn, row["instance_id"], login)
    except NotFound:
        raise NotFound("没有这个附件", "no such file", {"attachment": attachment_id}) from None
    return row, item, confidential, viewer


def open_for(site: Site, attachment_id: int, login: str) -> tuple[dict, BinaryIO]:
    """A file the caller may read (they see its item; it is not removed) and its bytes; NotFound otherwise."""
    with db.read(site.eng) as conn:
        row, *_ = _visible_row(site, conn, attachment_id, login)
    return row, files(site).open(row["sha256"])


def remove(site: Site, attachment_id: int, login: str, reason: str) -> dict:
    """Hide a file with a reason (its uploader or the office may): its row and bytes stay, the audit trail says who
    removed it, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "请填写移除理由", "a reason is required")
    if len(reason) > MAX_NOTE:
        raise InputError("reason", f"理由最多 {MAX_NOTE} 字", f"a reason holds at most {MAX_NOTE} characters")
    now = site.clock.now()
    with db.write(site.eng) as conn:
        row, item, confidential, viewer = _visible_row(site, conn, attachment_id, login)
        if not policy.may_remove_file(viewer, item, confidential, row["uploaded_by"]):
            raise NotAllowed("只有上传人或办公室可以移除附件", "only the uploader or the office may remove a file",
                             {"attachment": attachment_id})
        if not files_store.remove(conn=conn, attachment_id=attachment_id, by=login, reason=reason, at=now):
            raise NotFound("没有这个附件", "no such file", {"attachment": attachment_id})
        search_store.unindex_attachment(conn=conn, attachment_id=attachment_id)  # a removed file stops matching
        audit.record(conn=conn, at=now, actor=login, kind="attachment_removed", instance_id=row["instance_id"],
                     zh=f"{site.org.person_name(login)}移除附件《{row['name']}》，理由：{reason}",
                     en=f"{site.org.person_name(login, 'en')} removed the file '{row['name']}': {reason}",
                     data={"attachment": attachment_id, "sha256": row["sha256"], "reason": reason})
        return files_store.get(conn=conn, attachment_id=attachment_id) or row


def collect_garbage(site: Site, now: datetime, *, grace_hours: float | None = None) -> list[str]:
    """Remove stored bytes that no attachment row refers to and that were written more than the grace period ago
    (an upload whose transaction failed); bytes any row refers to, removed or not, are never touched. Returns the
    hashes removed."""
    grace = timedelta(hours=settings().files_grace_hours if grace_hours is None else grace_hours)
    store = files(site)
    candidates = [b for b in store.blobs() if b.written_at <= now - grace]
    if not candidates:
        return []
    with db.read(site.eng) as conn:
        keep = files_store.referenced(conn=conn)
    gone = []
    for b in candidates:
        if b.sha256 in keep:
            continue
        written = store.written_at(b.sha256)  # an upload of the same content since the listing wrote it again
        if written is None or written > now - grace:
            continue
        store.delete(b.sha256)
        gone.append(b.sha256)
    return gone
