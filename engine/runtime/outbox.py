"""Outbox dispatch through Apprise channels, after commit, with retries and backoff.

The runtime writes Outbox rows in the same transaction as the change that caused them; `dispatch`
later claims the due rows, sends each one outside any transaction, and records the result in its own
short transaction. Failures are retried after 30 s, 2 min, 10 min, 1 h and 6 h; after 6 attempts a row
is 'dead' (shown to admins, never retried until `retry_dead`).

DingTalk, WeCom bot and Feishu answer HTTP 200 with an error code in the JSON body when they refuse a
message, which Apprise counts as success; for those three schemes we post the same payload ourselves
with httpx and require the code to be 0. The setting DUBAN_BOT_BASE_URL (e.g. http://127.0.0.1:8080)
replaces their host, keeping the path: it exists for tests and for private deployments behind a relay.

Personal work-app channels (`dingtalk-user://USERID`, `wecom-user://USERID`, chosen by engine.runtime.delivery) go
through engine.runtime.workapps with the row's link as the card's button.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable
from urllib.parse import quote, urlsplit

import apprise
import httpx

from engine.clock import SystemClock
from engine.core.states import Conflict, NotFound
from engine.runtime import workapps
from engine.runtime.delivery import workapp_of
from engine.runtime.site import Site
from engine.settings import settings
from engine.store import db, outbox as outbox_store

log = logging.getLogger("duban.notify")
LEASE = timedelta(minutes=5)
BACKOFF = [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
           timedelta(hours=6)]
MAX_ATTEMPTS = 6
BOT_TIMEOUT = 10.0
BOT_HOSTS = {"dingtalk": "https://oapi.dingtalk.com", "wecombot": "https://qyapi.weixin.qq.com",
             "feishu": "https://open.feishu.cn"}
STATES = ("pending", "sending", "sent", "failed", "dead")

Sender = Callable[[str, str, str], None]


class DeliveryError(Exception):
    """A channel refused or could not take a message; the text is safe to store and show."""


@dataclass
class DispatchResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ dispatch
def dispatch(site: Site, *, limit: int = 100, send: Sender | None = None) -> DispatchResult:
    """Claim up to `limit` due rows, send each outside any transaction, record each result."""
    result = DispatchResult()
    rows, lease = _claim(site, limit)
    for row in rows:
        try:
            if send is not None:
                send(row.channel, row.title, row.body)
            else:  # bots check signatures against the real time: never the site's (drill) clock
                deliver(row.channel, row.title, row.body, row.link)
            error = None
        except (DeliveryError, workapps.WorkAppError) as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - one bad message must not stop the rest
            error = _scrub(f"{type(e).__name__}: {e}", row.channel)
        state = _record(site, row, lease, error)
        getattr(result, state).append(row.id)
    return result


def _claim(site: Site, limit: int) -> tuple[list[Any], datetime]:
    """Mark due rows 'sending' until the lease ends (engine.store.outbox.claim_due)."""
    now = site.clock.now()
    lease = now + LEASE
    with db.write(site.eng) as conn:
        rows = outbox_store.claim_due(conn=conn, now=now, lease_until=lease, limit=limit)
    return rows, lease


def _record(site: Site, row: Any, lease: datetime, error: str | None) -> str:
    """Write one send's outcome in its own transaction (only if our claim still holds); returns the new state."""
    now = site.clock.now()
    if error is None:
        values = {"state": "sent", "sent_at": now}
    else:
        attempts = row.attempts + 1
        dead = attempts >= MAX_ATTEMPTS
        values = {"attempts": attempts, "last_error": error[:1000], "state": "dead" if dead else "failed",
                  "next_attempt_at": now if dead else now + BACKOFF[min(attempts, len(BACKOFF)) - 1]}
        log.warning("outbox %s attempt %s failed: %s", row.id, attempts, error)
    with db.write(site.eng) as conn:
        outbox_store.record_outcome(conn=conn, outbox_id=row.id, lease_until=lease, values=values)
    return values["state"]


def outbox_status(site: Site) -> dict[str, int]:
    """How many outbox rows are in each state (for the admin page and API)."""
    with db.read(site.eng) as conn:
        counts = outbox_store.counts_by_state(conn=conn)
    return {s: counts.pop(s, 0) for s in STATES} | counts


def retry_dead(site: Site, outbox_id: int) -> None:
    """Put a dead row back to pending with a fresh set of attempts (its last error is kept)."""
    with db.write(site.eng) as conn:
        state = outbox_store.state_of(conn=conn, outbox_id=outbox_id)
        if state is None:
            raise NotFound(f"没有外发消息 {outbox_id}", f"no outbox message {outbox_id}", {"outbox": outbox_id})
        if state != "dead":
            raise Conflict("只有发送失败已停止重试的消息可以重发", "only dead messages can be retried",
                           {"outbox": outbox_id, "state": state})
        outbox_store.requeue(conn=conn, outbox_id=outbox_id, now=site.clock.now())


# ------------------------------------------------------------------ senders
def deliver(channel: str, title: str, body: str, link: str | None = None) -> None:
    """Send one outbox row: a personal work-app message, or an Apprise channel."""
    personal = workapp_of(channel)
    if personal is not None:
        return workapps.send(personal[0], personal[1], title, body, link)
    return send_apprise(channel, title, body)


def send_apprise(url: str, title: str, body: str, *, now: datetime | None = None) -> None:
    """Send one message to one channel URL; raise DeliveryError (secrets masked) on any failure."""
    plugin = apprise.Apprise.instantiate(url)
    if not plugin:
        raise DeliveryError(f"不支持的通知地址 / unsupported channel URL: {_mask(url)}")
    scheme = getattr(plugin, "secure_protocol", None)  # also catches pasted native https:// webhook URLs
    if isinstance(scheme, str) and scheme in BOT_HOSTS:
        return _send_bot(scheme, plugin, title, body, now)
    obj = apprise.Apprise()
    obj.add(plugin)
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as logs:
        ok = obj.notify(title=title, body=body)
    if not ok:
        words = " ".join(logs.getvalue().split()) or "the channel refused the message"
        raise DeliveryError(_scrub(f"发送失败 / delivery failed: {words}", url)[:1000])


def _send_bot(scheme: str, plugin: Any, title: str, body: str, now: datetime | None) -> None:
    """POST Apprise's payload for DingTalk / WeCom / Feishu and check the JSON error code as well."""
    base = (settings().bot_base_url or BOT_HOSTS[scheme]).rstrip("/")
    text = f"{title}\n{body}" if title else body  # these bots take no title: Apprise prepends it too
    params: dict[str, str] = {}
    if scheme == "dingtalk":
        endpoint, params["access_token"] = "/robot/send", plugin.token
        payload: dict = {"msgtype": "text", "text": {"content": text},
                         "at": {"atMobiles": plugin.targets, "isAtAll": False}}
        if plugin.notify_format == "markdown":
            payload = {**payload, "msgtype": "markdown", "markdown": {"title": title, "text": body}}
            del payload["text"]
        if plugin.secret:
            params["timestamp"], params["sign"] = _dingtalk_sign(plugin.secret, now)
    elif scheme == "wecombot":
        endpoint, params["key"] = "/cgi-bin/webhook/send", plugin.key
        payload = {"msgtype": "text", "text": {"content": text}}
    else:
        endpoint = "/open-apis/bot/v2/hook/" + quote(plugin.token, safe="")
        payload = {"msg_type": "text", "content": {"text": text}}
    secret = getattr(plugin, "token", None) or getattr(plugin, "key", "")
    try:
        r = httpx.post(base + endpoint, params=params, json=payload, timeout=BOT_TIMEOUT)
    except httpx.HTTPError as e:
        raise DeliveryError(_hide(f"连接失败 / connection failed: {type(e).__name__}: {e}", secret)) from None
    try:
        answer = r.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise DeliveryError(_hide(f"HTTP {r.status_code}: {r.text[:300]}", secret))
    keys = ("errcode",) if scheme != "feishu" else ("code", "StatusCode")
    codes = [answer[k] for k in keys if k in answer]
    if not (200 <= r.status_code < 300 and codes and all(c == 0 for c in codes)):
        words = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or r.text[:300]
        code = codes[0] if codes else "?"
        raise DeliveryError(_hide(f"HTTP {r.status_code}, 错误码 / error {code}: {words}", secret))


def _dingtalk_sign(secret: str, now: datetime | None) -> tuple[str, str]:
    """DingTalk's signed-webhook parameters (timestamp in ms, HMAC-SHA256), as Apprise computes them."""
    if now is None:
        now = SystemClock().now()
    ts = str(round(now.timestamp() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    return ts, base64.b64encode(digest).decode()  # httpx url-encodes it as a query parameter


# ------------------------------------------------------------------ never echo secrets
def _mask(url: str) -> str:
    """scheme://host/*** with credentials, tokens, paths and queries hidden."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return url.split("://", 1)[0] + "://***"
    shown = host if ("." in host or host == "localhost") else (host[:3] + "***" if host else "***")
    return f"{parts.scheme}://{shown}" + ("/***" if parts.path.strip("/") or parts.query else "")


def _scrub(text: str, url: str) -> str:
    """Replace every credential-like piece of `url` (user, password, token host, path, query) in `text`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        pieces = [parts.username, parts.password, *parts.path.split("/"),
                  *(kv.partition("=")[2] for kv in parts.query.split("&"))]
        if "." not in host and host != "localhost":
            pieces.append(host)
    except ValueError:
        pieces = [url.split("://", 1)[-1]]
    return _hide(text, *pieces)


def _hide(text: str, *secrets: str | None) -> str:
    for s in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(s, "***").replace(quote(s, safe=""), "***")
    return text
