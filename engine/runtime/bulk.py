"""Work in bulk (批量办理): one action on many tasks, each checked and applied on its own (its own transaction and
audit event, exactly as one `act` would), answering per task done or refused. The actions that may be taken in
bulk are listed here, once."""
from __future__ import annotations

from typing import Any, Callable

from engine.core.states import DubanError, InputError
from engine.runtime import permissions
from engine.runtime.site import Site

# 催办, 交办, 转办, 同意, 办结, 已阅, 签收 (the catalogue's names)
BULK_ACTIONS = ("chase", "assign", "transfer", "approve", "complete", "read", "accept")
MAX_BULK = 200  # tasks in one request


def check(action: str, task_ids: list[int]) -> None:
    """Refuse an action not taken in bulk, or too many (or repeated) tasks, before anything is applied."""
    if action not in BULK_ACTIONS:
        raise InputError("action", f"“{action}”不能批量办理，可批量办理：{'、'.join(BULK_ACTIONS)}",
                         f"{action!r} cannot be taken in bulk; these can: {', '.join(BULK_ACTIONS)}")
    if not task_ids:
        raise InputError("task_ids", "请至少选择一项待办", "choose at least one task")
    if len(task_ids) > MAX_BULK:
        raise InputError("task_ids", f"一次最多 {MAX_BULK} 项", f"at most {MAX_BULK} tasks at once")
    if len(set(task_ids)) != len(task_ids):
        raise InputError("task_ids", "待办重复", "a task is listed twice")


def act_on_each(site: Site, action: str, login: str, task_ids: list[int], fields: dict[str, Any],
                refused: Callable[[DubanError], dict]) -> list[dict]:
    """`action` with `fields` on each task in turn as `login` (permissions.act_as: a task of an item they may not
    see does not exist for them); per task {"task_id", "ok", "instance_id"} or {"task_id", "ok": false, **refused(e)}."""
    check(action, task_ids)
    out = []
    for tid in task_ids:
        try:
            done = permissions.act_as(site, tid, action, login, dict(fields))
        except DubanError as e:
            out.append({"task_id": tid, "ok": False, **refused(e)})
        else:
            out.append({"task_id": tid, "ok": True, "instance_id": done.instance_id})
    return out
