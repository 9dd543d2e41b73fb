"""Where one person's messages go: their preferred channel (in-app only, mail, DingTalk work notifications, WeCom
application messages) or, without a preference, every channel they have; a person without a DingTalk/WeCom id (or
a site without the app configured) falls back to their unit's group channel, and the outbox row says so."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

PREFERENCES = ("inapp", "mail", "dingtalk", "wecom")
PREFERENCE_WORDS = {"inapp": ("仅站内通知", "in-app only"), "mail": ("邮件", "mail"),
                    "dingtalk": ("钉钉工作通知", "DingTalk work notification"),
                    "wecom": ("企业微信应用消息", "WeCom application message")}
WORKAPP_SCHEMES = {"dingtalk": "dingtalk-user://", "wecom": "wecom-user://"}
MAIL_SCHEMES = ("mailto://", "mailtos://")


@dataclass(frozen=True)
class Reach:
    """What the site knows about reaching one person."""

    channels: list[str] = field(default_factory=list)  # their own Apprise URLs
    prefer: str | None = None
    dingtalk_userid: str | None = None
    wecom_userid: str | None = None
    unit_channels: list[str] = field(default_factory=list)


def routes(reach: Reach, *, ready: frozenset[str] | set[str]) -> list[tuple[str, str | None]]:
    """(channel, note) pairs for one person's message; `ready`: the work apps the site has credentials for."""
    prefer = reach.prefer
    if prefer is None:
        return [(c, None) for c in reach.channels]
    if prefer == "inapp":
        return []
    if prefer == "mail":
        mails = [c for c in reach.channels if c.startswith(MAIL_SCHEMES)]
        if mails:
            return [(c, None) for c in mails]
        return _fallback(reach, "没有邮箱地址", "has no mail address")
    userid = reach.dingtalk_userid if prefer == "dingtalk" else reach.wecom_userid
    name_zh, name_en = ("钉钉", "DingTalk") if prefer == "dingtalk" else ("企业微信", "WeCom")
    if not userid:
        return _fallback(reach, f"没有{name_zh}用户 ID", f"has no {name_en} user id")
    if prefer not in ready:
        return _fallback(reach, f"站点未配置{name_zh}应用", f"the site has no {name_en} app configured")
    return [(WORKAPP_SCHEMES[prefer] + quote(userid, safe=""), None)]


def _fallback(reach: Reach, why_zh: str, why_en: str) -> list[tuple[str, str | None]]:
    if reach.unit_channels:
        note = f"本人{why_zh}，改发单位群 / the person {why_en}: sent to the unit's channel"
        return [(c, note) for c in reach.unit_channels]
    others = [c for c in reach.channels if not c.startswith(MAIL_SCHEMES)] or reach.channels
    note = f"本人{why_zh}，单位无群通道，改发本人其他通道 / the person {why_en} and the unit has no channel: " \
           f"sent to the person's other channels"
    return [(c, note) for c in others]


def workapp_of(channel: str) -> tuple[str, str] | None:
    """("dingtalk" | "wecom", user id) for a personal work-app channel, else None."""
    for app, scheme in WORKAPP_SCHEMES.items():
        if channel.startswith(scheme):
            return app, unquote(channel[len(scheme):])
    return None
