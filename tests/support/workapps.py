"""Stand-ins for DingTalk's and WeCom's message APIs on 127.0.0.1, speaking the documented shapes: gettoken with
the app's credentials (access_token, expires_in), the send call with ?access_token=, errcode in an HTTP 200 body.
A test can refuse the next sends with an error code, or make every token issued so far expire (errcode 42001)."""
from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DINGTALK_SEND = "/topapi/message/corpconversation/asyncsend_v2"
WECOM_SEND = "/cgi-bin/message/send"
TOKEN_PATHS = {"/gettoken": ("appkey", "appsecret"), "/cgi-bin/gettoken": ("corpid", "corpsecret")}


class WorkApps:
    """Both vendors on one port (their paths differ). `credentials`: what gettoken accepts, per path."""

    def __init__(self, credentials: dict[str, tuple[str, str]], expires_in: int = 7200) -> None:
        self.credentials = credentials
        self.expires_in = expires_in
        self.token_fetches: list[str] = []  # the gettoken path of each fetch
        self.sends: list[dict] = []  # {"path", "token", "json"} of every send, taken or not
        self.refuse: list[tuple[int, str]] = []  # (errcode, errmsg) for the next sends, in order
        self.tokens: set[str] = set()  # tokens still valid
        lock, apps = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                names = TOKEN_PATHS.get(url.path)
                if names is None:
                    return self.answer(404, {"errcode": 404, "errmsg": "not found"})
                with lock:
                    apps.token_fetches.append(url.path)
                    if (q.get(names[0]), q.get(names[1])) != apps.credentials.get(url.path):
                        return self.answer(200, {"errcode": 40089 if url.path == "/gettoken" else 40001,
                                                 "errmsg": "invalid credential"})
                    token = secrets.token_hex(16)
                    apps.tokens.add(token)
                self.answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token,
                                  "expires_in": apps.expires_in})

            def do_POST(self) -> None:  # noqa: N802
                url = urlsplit(self.path)
                token = parse_qs(url.query).get("access_token", [""])[0]
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with lock:
                    apps.sends.append({"path": url.path, "token": token, "json": body})
                    if url.path not in (DINGTALK_SEND, WECOM_SEND):
                        return self.answer(404, {"errcode": 404, "errmsg": "not found"})
                    if token not in apps.tokens:
                        return self.answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
                    if apps.refuse:
                        code, msg = apps.refuse.pop(0)
                        return self.answer(200, {"errcode": code, "errmsg": msg})
                if url.path == DINGTALK_SEND:
                    self.answer(200, {"errcode": 0, "errmsg": "ok", "task_id": 256271667526, "request_id": "4jzllmte0wau"})
                else:
                    self.answer(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "xxxx"})

            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (the next send with one gets errcode 42001)."""
        self.tokens.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
