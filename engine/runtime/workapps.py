"""Personal messages through the office's work apps, with their access tokens cached until they expire.

DingTalk work notification (企业内部应用工作通知, the old open API on oapi.dingtalk.com):
  GET  /gettoken?appkey=&appsecret=                      -> {"errcode":0,"access_token":"...","expires_in":7200}
  POST /topapi/message/corpconversation/asyncsend_v2?access_token=
       {"agent_id":..., "userid_list":"u1,u2", "msg":{"msgtype":"action_card","action_card":{"title","markdown",
        "single_title","single_url"}}}                   -> {"errcode":0,"task_id":...,"request_id":"..."}
WeCom application message (企业微信应用消息):
  GET  /cgi-bin/gettoken?corpid=&corpsecret=             -> {"errcode":0,"access_token":"...","expires_in":7200}
  POST /cgi-bin/message/send?access_token=
       {"touser":"u1|u2","msgtype":"textcard","agentid":...,"textcard":{"title","description","url","btntxt"}}
                                                         -> {"errcode":0,"errmsg":"ok","invaliduser":"",...}
Both answer HTTP 200 with errcode != 0 when they refuse: that is a failure (the outbox retries it with backoff).
errcode 40014 (invalid token) or 42001 (token expired) drops the cached token and the send is tried once more
with a fresh one. Without a link (DUBAN_BASE_URL unset) DingTalk gets markdown, WeCom text."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from engine.clock import monotonic
from engine.settings import settings

TIMEOUT = 10.0
EARLY = 300.0  # seconds before expires_in that a token is fetched again
TOKEN_ERRORS = frozenset({40014, 42001})  # invalid / expired access token, on both platforms
MAX_TEXT = 2000  # characters of a card's text (both platforms cut longer ones)


class WorkAppError(Exception):
    """The work app refused or could not take the message; the text names no secret."""


@dataclass
class _Token:
    value: str
    good_until: float


class TokenCache:
    """Access tokens per (app, credentials), shared by every send of the process; `clock` is monotonic seconds."""

    def __init__(self, clock: Callable[[], float] = monotonic) -> None:
        self.clock = clock
        self._tokens: dict[tuple, _Token] = {}
        self._lock = threading.Lock()
        self.fetches = 0

    def get(self, key: tuple, fetch: Callable[[], tuple[str, float]]) -> str:
        with self._lock:
            t = self._tokens.get(key)
            if t is not None and self.clock() < t.good_until:
                return t.value
            value, expires_in = fetch()
            self.fetches += 1
            self._tokens[key] = _Token(value, self.clock() + max(0.0, expires_in - EARLY))
            return value

    def drop(self, key: tuple) -> None:
        with self._lock:
            self._tokens.pop(key, None)


TOKENS = TokenCache()


def send(app: str, userid: str, title: str, body: str, link: str | None, *, cache: TokenCache = TOKENS,
         client: httpx.Client | None = None) -> None:
    """Send one personal message (app: dingtalk | wecom); raise WorkAppError when it is not taken."""
    env = settings()
    if app == "dingtalk":
        if not (env.dingtalk_app_key and env.dingtalk_app_secret and env.dingtalk_agent_id):
            raise WorkAppError("站点未配置钉钉应用 / the DingTalk app is not configured (DUBAN_DINGTALK_APP_KEY, "
                               "_APP_SECRET, _AGENT_ID)")
        base, secret = env.dingtalk_api_url.rstrip("/"), env.dingtalk_app_secret
        key = ("dingtalk", base, env.dingtalk_app_key, secret)
        token_call = ("/gettoken", {"appkey": env.dingtalk_app_key, "appsecret": secret})
        send_path = "/topapi/message/corpconversation/asyncsend_v2"
        payload = dingtalk_payload(env.dingtalk_agent_id, userid, title, body, link)
    elif app == "wecom":
        if not (env.wecom_corp_id and env.wecom_corp_secret and env.wecom_agent_id):
            raise WorkAppError("站点未配置企业微信应用 / the WeCom app is not configured (DUBAN_WECOM_CORP_ID, "
                               "_CORP_SECRET, _AGENT_ID)")
        base, secret = env.wecom_api_url.rstrip("/"), env.wecom_corp_secret
        key = ("wecom", base, env.wecom_corp_id, secret)
        token_call = ("/cgi-bin/gettoken", {"corpid": env.wecom_corp_id, "corpsecret": secret})
        send_path = "/cgi-bin/message/send"
        payload = wecom_payload(env.wecom_agent_id, userid, title, body, link)
    else:
        raise WorkAppError(f"unknown work app {app!r}")
    own = client is None
    http = client or httpx.Client(timeout=TIMEOUT)
    try:
        def fetch() -> tuple[str, float]:
            answer = _call(http, "GET", base + token_call[0], token_call[1], None, secret)
            token = answer.get("access_token")
            if not isinstance(token, str) or not token:
                raise WorkAppError("取访问令牌的应答中没有 access_token / the token answer has no access_token")
            return token, float(answer.get("expires_in") or 7200)

        for attempt in (1, 2):
            token = cache.get(key, fetch)
            try:
                _call(http, "POST", base + send_path, {"access_token": token}, payload, secret, token)
                return
            except _TokenRefused:
                cache.drop(key)
                if attempt == 2:
                    raise WorkAppError("访问令牌重取后仍被拒绝 / the access token was refused again after a refetch") \
                        from None
    finally:
        if own:
            http.close()


class _TokenRefused(Exception):
    pass


def _call(http: httpx.Client, method: str, url: str, params: dict, payload: Any, *secrets: str) -> dict:
    try:
        r = http.request(method, url, params=params, json=payload)
    except httpx.HTTPError as e:
        raise WorkAppError(_hide(f"连接失败 / connection failed: {type(e).__name__}: {e}", *secrets)) from None
    try:
        answer = r.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise WorkAppError(_hide(f"HTTP {r.status_code}: {r.text[:300]}", *secrets))
    code = answer.get("errcode")
    if code in TOKEN_ERRORS:
        raise _TokenRefused()
    if r.status_code != 200 or code != 0:
        raise WorkAppError(_hide(f"HTTP {r.status_code}, 错误码 / errcode {code}: {answer.get('errmsg', '')}"[:500],
                                 *secrets))
    return answer


def _hide(text: str, *secrets: str) -> str:
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, "***")
    return text


def dingtalk_payload(agent_id: str, userid: str, title: str, body: str, link: str | None) -> dict:
    text = body[:MAX_TEXT]
    if link:
        msg = {"msgtype": "action_card", "action_card": {
            "title": title[:100], "markdown": f"#### {title}\n\n" + text.replace("\n", "  \n"),
            "single_title": "打开办理 / Open", "single_url": link}}
    else:
        msg = {"msgtype": "markdown", "markdown": {"title": title[:100],
                                                   "text": f"#### {title}\n\n" + text.replace("\n", "  \n")}}
    return {"agent_id": _number(agent_id), "userid_list": userid, "msg": msg}


def wecom_payload(agent_id: str, userid: str, title: str, body: str, link: str | None) -> dict:
    if link:
        return {"touser": userid, "msgtype": "textcard", "agentid": _number(agent_id),
                "textcard": {"title": _bytes(title, 128), "description": _bytes(body, 512), "url": link,
                             "btntxt": "打开办理"}}
    return {"touser": userid, "msgtype": "text", "agentid": _number(agent_id),
            "text": {"content": f"{title}\n{body}"[:MAX_TEXT]}}


def _bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8 (WeCom counts bytes), cut at a character boundary."""
    return text.encode()[:limit].decode(errors="ignore")


def _number(agent_id: str) -> int | str:
    return int(agent_id) if agent_id.isdigit() else agent_id
