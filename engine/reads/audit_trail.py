"""The audit chain's check for auditors and administrators (GET /api/v1/audit/verify): who may ask is the core's
rule (policy.require_auditor); the check itself streams the chain through the pure checker (engine.store.audit,
engine.core.auditchain). One check at a time per process: it reads the whole trail, so a second request while one
runs is answered 409 at once instead of queueing more full reads."""
from __future__ import annotations

import threading

from engine.core import policy
from engine.core.states import Conflict
from engine.runtime.site import Site
from engine.store import audit

_RUNNING = threading.Lock()


def verify_trail(site: Site, *, login: str) -> dict:
    """{"ok", "checked", "head_seq", "head_hash", "fault": {kind, id, seq, message_zh, message_en} | None}."""
    policy.require_auditor(site.actor(login))
    if not _RUNNING.acquire(blocking=False):
        raise Conflict("已有一次审计链校验正在进行，请稍后再试", "a check of the audit chain is already running; try again shortly",
                       {"running": True})
    try:
        return audit.verify(site.eng).as_dict()
    finally:
        _RUNNING.release()
