"""Outbox dispatch against real local servers: a JSON webhook, an SMTP server, and stand-ins for the
DingTalk / WeCom / Feishu bot endpoints (via DUBAN_BOT_BASE_URL). No HTTP mocks; time moves by the clock."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from engine.clock import SystemClock
from engine.runtime import outbox as notify
from engine.runtime.outbox import DeliveryError, dispatch, outbox_status, retry_dead
from engine.core.states import Conflict
from engine.store import db
from engine.store.tables import Outbox, Person

T_OUT, T_PERSON = Outbox.__table__, Person.__table__
DIRECTIVE = {"title": "落实安全生产大检查", "instruction": "请财务部牵头，人力资源部、信息技术部配合。",
             "leader": "leader", "lead_unit": "finance", "co_units": ["hr", "it"], "due": "2026-03-20"}


# ------------------------------------------------------------------ a real local HTTP server
class Hook:
    """Records every POST; answers from `answers[path]` (status, json) or the default answer."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: dict[str, tuple[int, dict]] = {}
        self.answer: tuple[int, dict] = (200, {"errcode": 0, "code": 0})
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                hook.requests.append({"path": url.path, "query": parse_qs(url.query),
                                      "json": json.loads(raw.decode("utf-8"))})
                status, body = hook.answers.get(url.path, hook.answer)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.server.shutdown()
    h.server.server_close()


@pytest.fixture
def bots(hook, monkeypatch):
    monkeypatch.setenv("DUBAN_BOT_BASE_URL", hook.base)
    return hook


# ------------------------------------------------------------------ a real local SMTP server
class _Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(
            envelope.original_content or envelope.content, policy=email_policy)))
        return "250 OK"


class _Controller(Controller):
    def _trigger_server(self) -> None:  # port 0: learn the real port before the readiness probe
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp():
    box = _Mailbox()
    ctl = _Controller(box, hostname="127.0.0.1", port=0, auth_require_tls=False,
                      authenticator=lambda *a: AuthResult(success=True))
    ctl.start()
    box.port = ctl.port
    yield box
    ctl.stop()


# ------------------------------------------------------------------ helpers
def give_channels(site, login, *urls):
    with db.write(site.eng) as conn:
        conn.execute(T_PERSON.update().where(T_PERSON.c.login == login).values(channels=list(urls)))
    site.reload()


def start_directive(site):
    """A real engine action: the leader issues a directive; the clerk gets a to-do notification."""
    return site.start("directive", dict(DIRECTIVE), "leader")


def rows(site):
    with db.read(site.eng) as conn:
        return [r._asdict() for r in conn.execute(sa.select(T_OUT).order_by(T_OUT.c.id))]


# ------------------------------------------------------------------ tests
def test_json_webhook_gets_the_message_with_chinese_intact(site, clock, hook):
    give_channels(site, "clerk", f"json://127.0.0.1:{hook.port}/hook")
    start_directive(site)
    [row] = rows(site)
    assert (row["person"], row["state"]) == ("clerk", "pending")

    res = dispatch(site)

    assert res.sent == [row["id"]] and res.failed == res.dead == []
    [req] = hook.requests
    assert req["path"] == "/hook"
    assert "落实安全生产大检查" in req["json"]["title"] and "【待办】" in req["json"]["title"]
    assert "您有新的待办" in req["json"]["message"]
    [row] = rows(site)
    assert row["state"] == "sent" and row["sent_at"] == clock.now() and row["attempts"] == 0
    assert outbox_status(site)["sent"] == 1 and outbox_status(site)["pending"] == 0
    assert dispatch(site).sent == []  # nothing left to do


def test_mailto_reaches_a_local_smtp_server_with_chinese_subject(site, smtp):
    give_channels(site, "clerk", f"mailto://duban:secret@127.0.0.1:{smtp.port}"
                                 "?from=duban@example.org&to=clerk@example.org&mode=insecure")
    start_directive(site)

    res = dispatch(site)

    assert len(res.sent) == 1, rows(site)[0]["last_error"]
    [(sender, to, msg)] = smtp.messages
    assert sender == "duban@example.org" and to == ["clerk@example.org"]
    assert "落实安全生产大检查" in msg["Subject"] and "【待办】" in msg["Subject"]
    assert "您有新的待办" in msg.get_body(("plain", "html")).get_content()


@pytest.mark.parametrize("url, path, query", [
    ("dingtalk://abcdef0123456789", "/robot/send", {"access_token": ["abcdef0123456789"]}),
    ("wecombot://abcdef0123456789", "/cgi-bin/webhook/send", {"key": ["abcdef0123456789"]}),
])
def test_bot_error_code_in_http_200_is_a_failure_retried_with_backoff(site, clock, bots, url, path, query):
    give_channels(site, "clerk", url)
    start_directive(site)
    bots.answer = (200, {"errcode": 310000, "errmsg": "keywords not in content"})

    res = dispatch(site)

    [row] = rows(site)
    assert res.failed == [row["id"]] and res.sent == []
    assert row["state"] == "failed" and row["attempts"] == 1
    assert "310000" in row["last_error"] and "keywords not in content" in row["last_error"]
    assert "abcdef0123456789" not in row["last_error"]
    assert row["next_attempt_at"] == clock.now() + timedelta(seconds=30)
    [req] = bots.requests
    assert req["path"] == path and req["query"] == query
    assert req["json"]["msgtype"] == "text" and "落实安全生产大检查" in req["json"]["text"]["content"]
    assert "您有新的待办" in req["json"]["text"]["content"]

    assert dispatch(site).sent == [] and len(bots.requests) == 1  # not due yet
    clock.advance(timedelta(seconds=31))
    bots.answer = (200, {"errcode": 0, "errmsg": "ok"})
    assert dispatch(site).sent == [row["id"]]
    assert rows(site)[0]["state"] == "sent" and len(bots.requests) == 2


def test_feishu_code_must_be_zero(site, clock, bots):
    give_channels(site, "clerk", "feishu://T0ken-abc_123")
    start_directive(site)
    bots.answer = (200, {"code": 19021, "msg": "sign match fail"})

    assert len(dispatch(site).failed) == 1
    [row] = rows(site)
    assert "19021" in row["last_error"] and "sign match fail" in row["last_error"]
    assert "T0ken-abc_123" not in row["last_error"]
    [req] = bots.requests
    assert req["path"] == "/open-apis/bot/v2/hook/T0ken-abc_123"
    assert req["json"]["msg_type"] == "text" and "落实安全生产大检查" in req["json"]["content"]["text"]

    clock.advance(timedelta(seconds=30))
    bots.answer = (200, {"code": 0, "msg": "success", "data": {}})
    assert dispatch(site).sent == [row["id"]]


def test_a_pasted_native_wecom_webhook_url_is_checked_too(bots):
    bots.answer = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    with pytest.raises(DeliveryError, match="93000"):
        notify.send_apprise("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123", "标题", "正文")
    assert bots.requests[0]["query"] == {"key": ["abc-123"]}


def test_feishu_old_style_status_code_and_non_json_answers(site, bots):
    with pytest.raises(DeliveryError, match="9499"):
        bots.answer = (200, {"StatusCode": 9499, "StatusMessage": "Bad Request"})
        notify.send_apprise("feishu://tok123", "标题", "正文")
    bots.answer = (200, {"StatusCode": 0, "StatusMessage": "success"})
    notify.send_apprise("feishu://tok123", "标题", "正文")
    bots.answer = (200, {"msg": "no code at all"})
    with pytest.raises(DeliveryError, match="no code at all"):
        notify.send_apprise("feishu://tok123", "标题", "正文")


def test_http_500_backs_off_then_dies_and_can_be_revived(site, clock, hook):
    give_channels(site, "clerk", f"json://127.0.0.1:{hook.port}/hook")
    start_directive(site)
    hook.answer = (500, {"error": "boom"})
    [oid] = [r["id"] for r in rows(site)]

    waits = [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
             timedelta(hours=6)]
    for n, wait in enumerate(waits, start=1):
        assert dispatch(site).failed == [oid]
        [row] = rows(site)
        assert row["state"] == "failed" and row["attempts"] == n and "500" in row["last_error"]
        assert row["next_attempt_at"] == clock.now() + wait
        clock.advance(wait - timedelta(seconds=1))
        assert dispatch(site).failed == []  # one second early: not due
        clock.advance(timedelta(seconds=1))

    assert dispatch(site).dead == [oid]
    [row] = rows(site)
    assert row["state"] == "dead" and row["attempts"] == 6 and len(hook.requests) == 6
    clock.advance(timedelta(days=3))
    assert dispatch(site) == notify.DispatchResult() and len(hook.requests) == 6  # never retried
    assert outbox_status(site)["dead"] == 1

    hook.answer = (200, {})
    retry_dead(site, oid)
    assert rows(site)[0]["state"] == "pending" and outbox_status(site)["pending"] == 1
    assert dispatch(site).sent == [oid]
    with pytest.raises(Conflict):
        retry_dead(site, oid)  # only dead rows


def test_one_failing_row_does_not_stop_the_next(site, hook):
    hook.answers["/broken"] = (503, {"error": "down"})
    give_channels(site, "clerk", "nosuchscheme://s3cr3t-t0ken@host/path", f"json://127.0.0.1:{hook.port}/broken",
                  f"json://127.0.0.1:{hook.port}/ok")
    start_directive(site)
    bad, down, ok = (r["id"] for r in rows(site))

    res = dispatch(site)

    assert res.failed == [bad, down] and res.sent == [ok]
    first, second, third = rows(site)
    assert "unsupported channel URL" in first["last_error"] and "不支持的通知地址" in first["last_error"]
    assert "s3cr3t-t0ken" not in first["last_error"] and "path" not in first["last_error"]
    assert "503" in second["last_error"] and third["state"] == "sent"
    assert [r["path"] for r in hook.requests] == ["/broken", "/ok"]


def test_a_crashing_sender_is_a_failure_not_a_stop(site):
    give_channels(site, "clerk", "json://a.example/1", "json://b.example/2")
    start_directive(site)
    seen = []

    def send(url, title, body):
        seen.append(url)
        if url.endswith("/1"):
            raise RuntimeError("socket closed")

    res = dispatch(site, send=send)
    assert len(res.failed) == 1 and len(res.sent) == 1 and len(seen) == 2
    assert "RuntimeError: socket closed" in rows(site)[0]["last_error"]


def test_two_dispatchers_never_send_a_row_twice(site, hook):
    give_channels(site, "clerk", f"json://127.0.0.1:{hook.port}/a", f"json://127.0.0.1:{hook.port}/b")
    start_directive(site)
    inner = []

    def send(url, title, body):  # while the first dispatcher is sending, a second one runs at the same moment
        inner.append(dispatch(site))
        notify.send_apprise(url, title, body)

    res = dispatch(site, send=send)
    assert len(res.sent) == 2 and all(r == notify.DispatchResult() for r in inner)
    assert dispatch(site) == notify.DispatchResult()
    assert sorted(r["path"] for r in hook.requests) == ["/a", "/b"]


def test_concurrent_dispatch_threads_share_the_rows(site, hook):
    give_channels(site, "clerk", *(f"json://127.0.0.1:{hook.port}/{i}" for i in range(6)))
    start_directive(site)
    gate, results = threading.Barrier(3), []

    def run():
        gate.wait()
        results.append(dispatch(site))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    sent = [i for r in results for i in r.sent]
    assert sorted(sent) == [r["id"] for r in rows(site)] and len(set(sent)) == 6
    assert sorted(r["path"] for r in hook.requests) == [f"/{i}" for i in range(6)]


def test_a_crashed_dispatchers_rows_come_back_after_the_lease(site, clock, hook):
    give_channels(site, "clerk", f"json://127.0.0.1:{hook.port}/hook")
    start_directive(site)
    claimed, lease = notify._claim(site, 10)  # claimed, then the process hung or died before sending
    assert len(claimed) == 1 and rows(site)[0]["state"] == "sending"
    assert outbox_status(site)["sending"] == 1

    assert dispatch(site) == notify.DispatchResult()
    clock.advance(notify.LEASE - timedelta(seconds=1))
    assert dispatch(site) == notify.DispatchResult()
    clock.advance(timedelta(seconds=1))
    assert dispatch(site).sent == [claimed[0].id] and len(hook.requests) == 1
    notify._record(site, claimed[0], lease, "late news from the stale dispatcher")  # its claim is gone
    assert rows(site)[0]["state"] == "sent" and rows(site)[0]["last_error"] is None


def test_limit_and_order(site, hook):
    give_channels(site, "clerk", *(f"json://127.0.0.1:{hook.port}/{i}" for i in range(3)))
    start_directive(site)
    ids = [r["id"] for r in rows(site)]
    assert dispatch(site, limit=2).sent == ids[:2]
    assert dispatch(site, limit=2).sent == ids[2:]


def test_invalid_bot_token_is_unsupported_and_masked(bots):
    with pytest.raises(DeliveryError) as e:
        notify.send_apprise("dingtalk://not a token!/x", "t", "b")
    assert "unsupported channel URL" in str(e.value) and "token" not in str(e.value)
    assert bots.requests == []


def test_a_signed_bot_request_carries_the_real_time_even_on_a_drill_clock(site, clock, bots):
    give_channels(site, "clerk", "dingtalk://S3cret@abcdef0123456789/")
    start_directive(site)
    bots.answer = (200, {"errcode": 0, "errmsg": "ok"})
    clock.advance(timedelta(days=400))  # the drill clock, far from the wall clock
    assert len(dispatch(site).sent) == 1
    [req] = bots.requests
    signed_at = datetime.fromtimestamp(int(req["query"]["timestamp"][0]) / 1000, timezone.utc)
    assert abs(signed_at - SystemClock().now()) < timedelta(minutes=5)  # DingTalk refuses a sign an hour off
    assert req["query"]["sign"][0]
