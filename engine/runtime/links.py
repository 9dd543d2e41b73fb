"""One-tap links in messages (`/go/{token}`): a chase, a new task or a circulation message carries, for its
recipient, a random token (stored only as its SHA-256) naming the task and the action it suggests, valid for
DUBAN_LINK_HOURS and good once. Opening it never acts: it marks the message read (已阅, audited) and leads to the
task page with the action ready; the action itself is the page's normal POST."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.core import policy
from engine.core.states import NotFound
from engine.settings import settings
from engine.store import audit, db, items as item_store, links as link_store

# message kind -> the action its link suggests (a pending task is signed for first: see `suggested`)
LINK_ACTIONS = {"task_new": "accept", "chase": "progress", "chase_manual": "progress", "remind": "progress",
                "due": "progress", "circulate": "read", "circulation": "read", "reading": "read"}
TOKEN_BYTES = 24
MAX_TOKEN = 64  # longer path segments are not ours


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(*, person: str, item_id: int, task_id: int | None, kind: str, now: datetime) -> tuple[str, dict]:
    """A new token and its row for `inbox.add(links=...)` (written in the message's own transaction)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = {"token_hash": token_hash(token), "person": person, "instance_id": item_id, "task_id": task_id,
           "action": LINK_ACTIONS.get(kind, "read"), "kind": kind, "created_at": now,
           "expires_at": now + timedelta(hours=settings().link_hours)}
    return token, row


def url_of(path: str) -> str | None:
    """The absolute address of a page path under DUBAN_BASE_URL, or None when it is unset."""
    base = settings().base_url
    return base.rstrip("/") + path if base else None


@dataclass
class Opened:
    """What opening a link found: `state` ok, other (someone else's), used, expired or unknown; the item and
    task it leads to, the action it suggests, and whether the opener may see the item."""

    state: str
    item_id: int | None = None
    task_id: int | None = None
    action: str | None = None
    may_see: bool = False


def open_link(site, token: str, login: str) -> Opened:  # noqa: ANN001 - a Site
    """Open a link as `login`: the recipient's first opening uses it up, marks their notifications of the task read
    and audits it; anything else changes nothing and says why."""
    if not token or len(token) > MAX_TOKEN:
        return Opened("unknown")
    now = site.clock.now()
    h = token_hash(token)
    with db.write(site.eng) as conn:
        row = link_store.find(conn=conn, token_hash=h)
        if row is None:
            return Opened("unknown")
        seen = _may_see(site, conn, row.instance_id, login)
        base = dict(item_id=row.instance_id, task_id=row.task_id, action=row.action, may_see=seen)
        if row.person != login:
            return Opened("other", **base)
        if row.used_at is not None:
            return Opened("used", **base)
        if row.expires_at <= now:
            return Opened("expired", **base)
        if not link_store.use(conn=conn, token_hash=h, login=login, now=now):
            return Opened("used", **base)
        notes = link_store.mark_task_notes_read(conn=conn, person=login, instance_id=row.instance_id,
                                                task_id=row.task_id, now=now)
        p = site.org.people.get(login)
        audit.record(conn=conn, at=now, actor=login, kind="read",
                     zh=f"{p.name_zh if p else login}从消息链接打开并已阅", en=f"{login} opened the message's link and read it",
                     instance_id=row.instance_id, task_id=row.task_id,
                     data={"link": row.kind, "notifications": notes})
    return Opened("ok", **base)


def _may_see(site, conn, item_id: int, login: str) -> bool:  # noqa: ANN001
    try:
        item = item_store.load_item(conn=conn, item_id=item_id, definition_of=site.definition)
        actor = site.actor(login)
    except NotFound:
        return False
    return policy.can_see(site.org, actor, item, item_store.confidential_of(item))


def suggested(action: str | None, task_state: str | None) -> str | None:
    """The action to have ready on the task page: a task not yet signed for is signed for (签收) first."""
    if action in ("accept", "progress") and task_state == "pending":
        return "accept"
    if action == "accept" and task_state not in (None, "pending"):
        return "progress"
    return action
