"""A person's own choices about their messages: the channel they prefer (in-app only, mail, DingTalk, WeCom, or
every channel they have) and the daily digest; each change audited."""
from __future__ import annotations

from typing import Any

from engine.core.states import InputError, NotFound
from engine.runtime.delivery import PREFERENCE_WORDS, PREFERENCES
from engine.store import audit, db, inbox

UNSET = object()


def preferences(site, login: str) -> dict[str, Any]:  # noqa: ANN001 - a Site
    """{channel, digest, dingtalk, wecom, choices}: the choice, and which work apps know the person."""
    with db.read(site.eng) as conn:
        row = inbox.preferences_of(conn=conn, login=login)
    if row is None:
        raise NotFound(f"没有人员“{login}”", f"no person {login!r}", {"person": login})
    return {"channel": row.prefer, "digest": bool(row.digest), "dingtalk": bool(row.dingtalk_userid),
            "wecom": bool(row.wecom_userid), "mail": any(c.startswith(("mailto:", "mailtos:")) for c in row.channels or []),
            "choices": list(PREFERENCES)}


def set_preferences(site, login: str, *, channel: Any = UNSET, digest: Any = UNSET) -> dict[str, Any]:  # noqa: ANN001
    """Change the preferred channel (None: every channel) and/or the digest; audited; returns the new choices."""
    values: dict[str, Any] = {}
    if channel is not UNSET:
        if channel is not None and channel not in PREFERENCES:
            raise InputError("channel", f"只能是 {'、'.join(PREFERENCES)} 之一", f"must be one of {', '.join(PREFERENCES)}")
        values["prefer"] = channel
    if digest is not UNSET:
        values["digest"] = bool(digest)
    if values:
        now = site.clock.now()
        with db.write(site.eng) as conn:
            before = inbox.preferences_of(conn=conn, login=login)
            if before is None or not inbox.set_preferences(conn=conn, login=login, values=values):
                raise NotFound(f"没有人员“{login}”", f"no person {login!r}", {"person": login})
            zh_ch, en_ch = PREFERENCE_WORDS.get(values.get("prefer", before.prefer) or "", ("全部通道", "every channel"))
            dig = values.get("digest", before.digest)
            audit.record(conn=conn, at=now, actor=login, kind="preferences",
                         zh=f"消息设置：{zh_ch}，{'每日汇总' if dig else '逐条提醒'}",
                         en=f"message settings: {en_ch}, {'daily digest' if dig else 'one message each'}",
                         data={"before": {"channel": before.prefer, "digest": bool(before.digest)},
                               "after": {"channel": values.get("prefer", before.prefer), "digest": bool(dig)}})
        site.reload()  # the next message goes where the person now wants it
    return preferences(site, login)
