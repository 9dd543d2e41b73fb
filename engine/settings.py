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
LDAP_USER_FILTER = "(&(objectClass=inetOrgPerson)(uid={login}))"
LDAP_ATTRS = "login=uid,name=cn,mail=mail,unit=departmentNumber,unit_id=ou,unit_name=description"
LDAP_KEYS = ("login", "name", "mail", "unit", "unit_id", "unit_name")
# shown as ***; so is the password inside database_url
SECRETS = frozenset({"demo_password", "ldap_bind_password", "dingtalk_app_secret", "wecom_corp_secret", "s3_secret_key"})


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
    profile: str = Field("", description="benchmarks only: a folder where each duban serve worker writes where its "
                         "time went (empty: no profiling)")
    profile_mode: Literal["sample", "cprofile"] = Field(
        "sample", description="benchmarks only: how DUBAN_PROFILE profiles (sampled stacks, or cProfile per thread)")
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
    ldap_url: str | None = Field(None, description="directory for sign-in and `duban org sync-ldap` "
                                                   "(ldap://host:389 or ldaps://host:636); unset: no directory")
    ldap_base_dn: str = Field("", description="where people are searched in the directory (e.g. dc=example,dc=cn)")
    ldap_bind_dn: str | None = Field(None, description="service account that searches the directory (unset: "
                                                       "anonymous search)")
    ldap_bind_password: str | None = Field(None, description="password of the directory service account")
    ldap_user_filter: str = Field(LDAP_USER_FILTER, description="filter that finds one person; {login} is replaced "
                                                                "by the escaped login (by * to list everyone)")
    ldap_attrs: str = Field(LDAP_ATTRS, description="directory attribute of each person and unit field, "
                                                    "key=attribute pairs: login, name, mail, unit, unit_id, unit_name")
    ldap_unit_base: str | None = Field(None, description="where units (organizationalUnit) live; unset: units are "
                                                         "not brought over by sync-ldap")
    ldap_timeout: float = Field(5.0, gt=0, le=120, description="seconds to connect to and to wait for the directory")
    ldap_start_tls: bool = Field(False, description="upgrade an ldap:// connection with StartTLS (1/0); ldaps:// is "
                                                    "always encrypted")
    ldap_ca_file: str | None = Field(None, description="PEM file of the CA that signed the directory's certificate "
                                                       "(ldaps:// or StartTLS); unset: the system's CAs")

    max_upload_mb: int = Field(50, ge=1, le=2048, description="largest attachment (附件) one may upload, in MB")
    files: str | None = Field(None, description="where attachment bytes live: a directory, or s3://bucket/prefix; "
                                                "unset: ./duban-files beside the SQLite file (./duban-files otherwise)")
    s3_endpoint: str | None = Field(None, description="S3-compatible endpoint URL of DUBAN_FILES=s3://... "
                                                      "(unset: AWS)")
    s3_access_key: str | None = Field(None, description="access key of the attachment bucket")
    s3_secret_key: str | None = Field(None, description="secret key of the attachment bucket")
    s3_region: str = Field("us-east-1", description="region of the attachment bucket")
    files_grace_hours: float = Field(24.0, ge=0, description="hours stored bytes no attachment refers to are kept "
                                                             "before `duban files gc` removes them")

    org_check_seconds: float = Field(
        2.0, ge=0, description="seconds between checks whether another process changed people or units")
    log_format: Literal["text", "json"] = Field(
        "text", description="log lines of duban serve: text, or json (one JSON object per line)")

    # sign-in, sizes and housekeeping (issue 11)
    trusted_proxies: str = Field("", description="addresses or networks (comma-separated, e.g. 10.0.0.0/8) of "
                                 "proxies whose X-Forwarded-For names the client; empty: trust none")
    hash_slots: int = Field(0, ge=0, description="password checks (argon2) that may run at once; 0: half the CPUs, "
                            "at least 1")
    hash_wait_ms: int = Field(20, ge=0, le=10_000, description="milliseconds a sign-in waits for a free password-"
                              "check slot before answering 503 with Retry-After")
    max_body_kb: int = Field(1024, ge=1, description="largest request body in KB (bigger bodies answer 413)")
    purge_seconds: float = Field(3600.0, gt=0, description="seconds between purges of expired tokens, old sign-in "
                                 "attempts and idempotency keys")
    token_retention_days: float = Field(7.0, ge=0, description="days an expired or revoked token is kept before "
                                        "the purge deletes it")
    attempt_retention_days: float = Field(30.0, ge=1, description="days sign-in attempts are kept (the lock "
                                          "counts only the last 15 minutes; the audit trail keeps every sign-in)")
    idempotency_retention_hours: float = Field(48.0, ge=1, description="hours a task action's Idempotency-Key "
                                               "is remembered (a retry after that acts again)")

    @field_validator("log_level", "scheduler", "stages", "due_on_day_off", "log_format", mode="before")
    @classmethod
    def _words(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("ldap_user_filter")
    @classmethod
    def _one_login_slot(cls, v: str) -> str:
        if "{login}" not in v or not (v.startswith("(") and v.endswith(")")):
            raise ValueError("must be an LDAP filter in parentheses with {login} where the login goes")
        return v

    @field_validator("ldap_attrs")
    @classmethod
    def _attribute_pairs(cls, v: str) -> str:
        ldap_attribute_map(v)
        return v

    @field_validator("database_url", "demo_password", "bot_base_url", "schemes_dir", "prefect_pool", "ldap_url",
                     "ldap_base_dn", "ldap_bind_dn", "ldap_bind_password", "ldap_user_filter", "ldap_attrs",
                     "ldap_unit_base", "ldap_ca_file", "base_url", "dingtalk_app_key", "dingtalk_app_secret",
                     "dingtalk_agent_id", "dingtalk_api_url", "wecom_corp_id", "wecom_corp_secret", "wecom_agent_id",
                     "wecom_api_url", "files", "s3_endpoint", "s3_access_key", "s3_secret_key", "s3_region",
                     mode="before")
    @classmethod
    def _empty_is_default(cls, v: object, info) -> object:
        if isinstance(v, str) and not v.strip():
            default = cls.model_fields[info.field_name].default
            return default
        return v


def ldap_attribute_map(text: str) -> dict[str, str]:
    """DUBAN_LDAP_ATTRS as {field: directory attribute}: the defaults, overridden by each key=attribute pair given
    (`login=sAMAccountName,name=displayName,unit=department`); a key outside LDAP_KEYS is refused."""
    out = dict(pair.split("=", 1) for pair in LDAP_ATTRS.split(","))
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, sep, attr = (x.strip() for x in pair.partition("="))
        if not sep or key not in LDAP_KEYS or not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", attr):
            raise ValueError(f"{pair!r} is not key=attribute with a key among {', '.join(LDAP_KEYS)}")
        out[key] = attr
    return out


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
