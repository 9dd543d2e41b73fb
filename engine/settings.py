"""Every `DUBAN_*` setting in one place: one pydantic-settings class, each field with its default and a one-line
description, validated once per environment. Modules ask `settings()` instead of reading `os.environ`;
`duban serve` prints `effective()` at start with secrets masked."""
from __future__ import annotations

import os
import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "DUBAN_"
SECRETS = frozenset({"demo_password", "dingtalk_app_secret", "wecom_corp_secret"})  # shown as ***; the password inside database_url is masked too


class SettingsError(ValueError):
    """A DUBAN_* variable holds a value its setting refuses; the message names the variable."""


class Settings(BaseSettings):
    """The site's settings, from environment variables prefixed DUBAN_ (DUBAN_DATABASE_URL, ...)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, case_sensitive=False, extra="ignore",
                                      validate_default=True)

    database_url: str = Field("sqlite:///duban.db", description="database URL (SQLite file or postgresql://...)")
    demo_password: str = Field("duban-demo", description="password of every demo account (serve --demo, demo)")
    token_hours: float = Field(12.0, ge=0.01, description="hours a sign-in token stays valid")
    workers: int = Field(1, ge=1, description="uvicorn worker processes of duban serve")
    threads: int = Field(8, ge=1, description="threads that run the synchronous routes of one process")
    access_log: bool = Field(True, description="log every HTTP request (1/0)")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "info", description="log level of duban serve")
    scheduler: Literal["embedded", "prefect", "off"] = Field(
        "embedded", description="who runs the timers: embedded (this process), prefect (deployments) or off")
    stages: Literal["embedded", "external"] = Field(
        "embedded", description="appraisal per-unit stages in-process, or external (a Prefect flow runs them)")
    cache_seconds: float = Field(30.0, ge=0, description="seconds definitions and calendar stay cached")
    sweep_seconds: float = Field(30.0, gt=0, description="seconds between timer sweeps")
    dispatch_seconds: float = Field(5.0, gt=0, description="seconds between outbox dispatches")
    trigger_seconds: float = Field(60.0, gt=0, description="seconds between checks of self-starting definitions")
    stage_seconds: float = Field(60.0, gt=0, description="seconds between Prefect runs of waiting appraisal stages")
    db_pool_size: int = Field(5, ge=0, description="PostgreSQL connections one process keeps")
    db_max_overflow: int = Field(10, ge=0, description="PostgreSQL connections one process may open beyond the pool")
    db_pool_timeout: int = Field(30, ge=0, description="seconds to wait for a free connection")
    db_pool_recycle: int = Field(1800, description="seconds before a connection is replaced")
    cookie_secure: bool = Field(False, description="mark the page session cookie Secure even over http")
    bot_base_url: str | None = Field(None, description="base URL of DingTalk/WeCom/Feishu bots (tests, proxies)")
    schemes_dir: str | None = Field(None, description="folder of appraisal schemes (default definitions/schemes)")
    prefect_pool: str = Field("duban", description="Prefect work pool of duban deploy")
    base_url: str | None = Field(None, description="the site's public address (https://duban.example.gov.cn); "
                                 "every message carries its link under it")
    link_hours: float = Field(72.0, gt=0, le=24 * 90, description="hours a one-tap link (/go/...) in a message stays valid")
    dingtalk_app_key: str | None = Field(None, description="DingTalk internal app AppKey (work notifications)")
    dingtalk_app_secret: str | None = Field(None, description="DingTalk internal app AppSecret")
    dingtalk_agent_id: str | None = Field(None, description="DingTalk internal app AgentId")
    dingtalk_api_url: str = Field("https://oapi.dingtalk.com", description="DingTalk open API base URL (tests, relays)")
    wecom_corp_id: str | None = Field(None, description="WeCom CorpID (application messages)")
    wecom_corp_secret: str | None = Field(None, description="WeCom application Secret")
    wecom_agent_id: str | None = Field(None, description="WeCom application AgentId")
    wecom_api_url: str = Field("https://qyapi.weixin.qq.com", description="WeCom API base URL (tests, relays)")
    due_on_day_off: Literal["next_working_day", "keep"] = Field(
        "next_working_day", description="a due date on a day off moves to the next working day (顺延) or is kept")

    @field_validator("log_level", "scheduler", "stages", "due_on_day_off", mode="before")
    @classmethod
    def _words(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("database_url", "demo_password", "bot_base_url", "schemes_dir", "prefect_pool", "base_url",
                     "dingtalk_app_key", "dingtalk_app_secret", "dingtalk_agent_id", "dingtalk_api_url",
                     "wecom_corp_id", "wecom_corp_secret", "wecom_agent_id", "wecom_api_url", mode="before")
    @classmethod
    def _empty_is_default(cls, v: object, info) -> object:
        if isinstance(v, str) and not v.strip():
            default = cls.model_fields[info.field_name].default
            return default
        return v


_cache: tuple[tuple, Settings] | None = None


def settings() -> Settings:
    """The settings of the current environment, validated once (again only when a DUBAN_* variable changes)."""
    global _cache
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(PREFIX)))
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        value = Settings()
    except ValidationError as e:
        raise SettingsError("; ".join(_explain(err) for err in e.errors())) from None
    _cache = (key, value)
    return value


def _explain(err: dict) -> str:
    name = PREFIX + str(err["loc"][0]).upper() if err.get("loc") else "DUBAN_*"
    got = os.environ.get(name, err.get("input"))
    kind = err.get("type", "")
    if kind.startswith("int"):
        return f"{name} must be a whole number, not {got!r}"
    if kind.startswith("float"):
        return f"{name} must be a number, not {got!r}"
    if kind.startswith("bool"):
        return f"{name} must be 1/0, true/false or yes/no, not {got!r}"
    if kind == "literal_error":
        choices = ", ".join(_choices(str(err["loc"][0])))
        return f"{name}={str(got).strip().lower()!r} is not one of {choices}"
    return f"{name}={got!r}: {err.get('msg', 'invalid')}"


def _choices(field: str) -> tuple[str, ...]:
    return tuple(getattr(Settings.model_fields[field].annotation, "__args__", ()))


def mask_url(url: str) -> str:
    """A URL with the password (user:PASSWORD@host) replaced by ***."""
    return re.sub(r"(//[^/:@]*:)[^@/]*@", r"\1***@", url)


def effective(values: Settings | None = None) -> list[tuple[str, str, str]]:
    """(variable, shown value, description) of every setting, secrets masked."""
    values = values or settings()
    out = []
    for field, info in Settings.model_fields.items():
        v = getattr(values, field)
        shown = "***" if field in SECRETS and v else mask_url(v) if field == "database_url" else \
            ("-" if v is None else str(v))
        out.append((PREFIX + field.upper(), shown, info.description or ""))
    return out


def describe(values: Settings | None = None) -> str:
    """The effective settings as lines for a start-up banner."""
    rows = effective(values)
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"  {name:<{width}} = {shown}   # {text}" for name, shown, text in rows)
