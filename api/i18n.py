"""Language of a request (Chinese by default, English when Accept-Language starts with en) and the API's own words."""
from __future__ import annotations

from fastapi import Request

from engine.core.dsl import ROLES

WORDS: dict[str, tuple[str, str]] = {
    "unauthorized": ("请先登录", "sign in first"),
    "bad_token": ("登录已失效，请重新登录", "the token is missing, expired or revoked; sign in again"),
    "bad_login": ("账号或密码错误", "wrong login or password"),
    "too_many": ("登录失败次数过多，请 {minutes} 分钟后再试", "too many failed sign-ins; try again in {minutes} minute(s)"),
    "signin_busy": ("登录请求过多，请 {seconds} 秒后重试", "too many sign-ins at once; try again in {seconds} second(s)"),
    "body_too_large": ("请求体过大（上限 {kb} KB）", "the request body is too large ({kb} KB at most)"),
    "invalid_request": ("请求参数有误", "the request is not valid"),
    "no_route": ("没有这个接口", "no such endpoint"),
    "method": ("该接口不支持此请求方法", "this endpoint does not take that method"),
    "internal": ("服务器内部错误，已记录，请稍后重试", "internal error; it has been logged, try again later"),
    "drill_off": ("演练模式未开启：请用 duban serve --simulated-clock 启动后再调整时间",
                  "drill mode is off: start `duban serve --simulated-clock` to move the clock"),
    "idem_busy": ("相同 Idempotency-Key 的请求正在处理中，请稍后重试",
                  "a request with this Idempotency-Key is still being processed; retry shortly"),
    "password_change_required": ("请先修改初始密码（POST /api/v1/me/password），之后才能办理其他事项",
                                 "change your initial password first (POST /api/v1/me/password)"),
    "idem_reused": ("该 Idempotency-Key 已用于另一个请求", "this Idempotency-Key was used for a different request"),
}


def lang_of(request: Request) -> str:
    """'en' when Accept-Language starts with en, else 'zh'."""
    return "en" if request.headers.get("accept-language", "").strip().lower().startswith("en") else "zh"


def role_label(role: str) -> dict[str, str]:
    zh, en = ROLES.get(role, (role, role))
    return {"zh": zh, "en": en}


def words(key: str, **params: object) -> tuple[str, str]:
    zh, en = WORDS[key]
    return zh.format(**params), en.format(**params)
