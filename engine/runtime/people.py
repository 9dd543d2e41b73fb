"""People and accounts, as the administrator (or the operator at the console, `by=None`) changes them: add and edit
units and people, set a password, a person's own password change, disabling a leaver and moving a person with
their open tasks handed over (批量转办), and importing staff from a spreadsheet.

Each change is one transaction that writes the rows, bumps the organisation's stamp (other processes reload
within DUBAN_ORG_CHECK_SECONDS), and appends one audit event saying who changed what, before → after (never a
password or its hash). This process forgets its cached organisation at once."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from engine.core import people as rules, policy
from engine.core.actions.routing import do_handover
from engine.core.org import Holder
from engine.core.passwords import MAX_LENGTH as MAX_PASSWORD, check_password
from engine.core.states import Conflict, InputError, NotFound
from engine.runtime.apply import ItemMoved
from engine.runtime.passwords import hash_password, verify_password
from engine.runtime.site import Site
from engine.store import audit, db, items as item_store, org as org_store, tokens
from engine.store.db import Connection

# what the audit shows of a person: every column an administrator edits, none of the password
SHOWN = ("name_zh", "name_en", "unit_id", "roles", "category", "email", "phone", "dingtalk_userid", "wecom_userid",
         "active")
TO_COLUMN = {"name": "name_zh", "name_en": "name_en", "unit": "unit_id", "roles": "roles", "category": "category",
             "email": "email", "phone": "phone", "dingtalk_userid": "dingtalk_userid", "wecom_userid": "wecom_userid",
             "active": "active"}


class SheetError(InputError):
    """A staff spreadsheet with bad rows: nothing imported; `details.rows` names every row and column."""

    code = "invalid_sheet"

    def __init__(self, problems: list[rules.RowProblem]):
        rows = sorted({p.row for p in problems})
        super().__init__("file", f"表格有 {len(problems)} 处错误（第 {'、'.join(map(str, rows))} 行），未导入任何人员",
                         f"the spreadsheet has {len(problems)} problem(s) (row(s) {', '.join(map(str, rows))}); "
                         "nobody was imported")
        self.details["rows"] = [p.as_dict() for p in problems]


def console(by: str | None) -> bool:
    """The operator at the console (`duban user ...` on the server): `by` None or `cli[:account]`, which no login
    can be (a login has no colon)."""
    return by is None or by == "cli" or by.startswith("cli:")


def _admin(site: Site, by: str | None) -> None:
    """An administrator, or the operator at the console."""
    if not console(by):
        policy.require_admin(site.actor(by))


def public(r: Any) -> dict[str, Any]:
    """A person as the API and the CLI show them (no password hash: only whether there is one)."""
    return {"login": r.login, "name": r.name_zh, "name_en": r.name_en, "unit": r.unit_id,
            "roles": [x for x in r.roles.split(",") if x], "category": r.category, "email": r.email, "phone": r.phone,
            "dingtalk_userid": r.dingtalk_userid, "wecom_userid": r.wecom_userid, "active": bool(r.active),
            "has_password": bool(r.has_password), "must_change_password": bool(r.must_change_password),
            "password_changed_at": r.password_changed_at}


def _shown(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in SHOWN}


def _row(conn: Connection, login: str) -> Any:
    r = org_store.person_row(conn=conn, login=login)
    if r is None:
        raise NotFound(f"没有人员“{login}”", f"no person {login!r}", {"person": login})
    return r


def _done(site: Site) -> None:
    site.reload_org()


# ------------------------------------------------------------------ reading
def list_people(site: Site, *, limit: int, offset: int = 0, unit: str | None = None,
                active: bool | None = None) -> tuple[int, list[dict]]:
    with db.read(site.eng) as conn:
        total, rows = org_store.people_rows(conn=conn, limit=limit, offset=offset, unit=unit, active=active)
    return total, [public(r) for r in rows]


def get_person(site: Site, login: str) -> dict[str, Any]:
    with db.read(site.eng) as conn:
        return public(_row(conn, login))


# ------------------------------------------------------------------ units
def add_unit(site: Site, *, by: str | None, data: dict[str, Any]) -> dict[str, Any]:
    _admin(site, by)
    clean = rules.clean_unit(data, new=True)
    now = site.clock.now()
    with db.write(site.eng) as conn:
        if org_store.unit_row(conn=conn, code=clean["code"]) is not None:
            raise InputError("code", f"单位代码“{clean['code']}”已存在", f"the unit code {clean['code']!r} exists")
        org_store.insert_unit(conn=conn, code=clean["code"], name_zh=clean["name"], name_en=clean["name_en"])
        org_store.bump_stamp(conn=conn, now=now)
        audit.record(conn=conn, at=now, actor=by, kind="unit_added",
                     zh=f"新增单位 {clean['name']}（{clean['code']}）", en=f"added the unit {clean['code']}",
                     data={"unit": clean["code"], "after": {"name_zh": clean["name"], "name_en": clean["name_en"]}})
    _done(site)
    return {"code": clean["code"], "name": clean["name"], "name_en": clean["name_en"]}


def edit_unit(site: Site, *, by: str | None, code: str, data: dict[str, Any]) -> dict[str, Any]:
    _admin(site, by)
    clean = rules.clean_unit(data, new=False)
    now = site.clock.now()
    with db.write(site.eng) as conn:
        r = org_store.unit_row(conn=conn, code=code)
        if r is None:
            raise NotFound(f"没有单位“{code}”", f"no unit {code!r}", {"unit": code})
        changes = {col: clean[k] for k, col in (("name", "name_zh"), ("name_en", "name_en")) if k in clean}
        before = {k: getattr(r, k) for k in changes if getattr(r, k) != changes[k]}
        after = {k: changes[k] for k in before}
        if after:
            org_store.update_unit(conn=conn, code=code, changes=after)
            org_store.bump_stamp(conn=conn, now=now)
            audit.record(conn=conn, at=now, actor=by, kind="unit_changed", zh=f"修改单位 {code}",
                         en=f"changed the unit {code}", data={"unit": code, "before": before, "after": after})
        result = {"code": code, "name": changes.get("name_zh", r.name_zh), "name_en": changes.get("name_en", r.name_en)}
    _done(site)
    return result


# ------------------------------------------------------------------ people
def add_person(site: Site, *, by: str | None, data: dict[str, Any], password: str | None = None) -> dict[str, Any]:
    """A new person (the login never given before); with `password`, an initial one they must change."""
    _admin(site, by)
    clean = rules.clean_person(site.org, data, new=True)
    if password is not None:
        check_password(password, clean["login"])
    now = site.clock.now()
    with db.write(site.eng) as conn:
        if clean["login"] in org_store.all_logins(conn=conn):
            raise InputError("login", f"登录名“{clean['login']}”已被使用", f"the login {clean['login']!r} is taken")
        row = _person_row(clean)
        if password is not None:
            row |= {"password_hash": hash_password(password), "must_change_password": True, "password_changed_at": now}
        org_store.insert_people(conn=conn, rows=[row])
        org_store.bump_stamp(conn=conn, now=now)
        audit.record(conn=conn, at=now, actor=by, kind="person_added",
                     zh=f"新增人员 {clean['name']}（{clean['login']}）" + ("，并设置初始密码" if password else ""),
                     en=f"added the person {clean['login']}" + (" with an initial password" if password else ""),
                     data={"login": clean["login"], "after": {k: row[k] for k in SHOWN},
                           "password_set": password is not None})
        result = public(_row(conn, clean["login"]))
    _done(site)
    return result


def _person_row(clean: dict[str, Any]) -> dict[str, Any]:
    return {"login": clean["login"], "name_zh": clean["name"], "name_en": clean.get("name_en") or "",
            "unit_id": clean["unit"], "roles": ",".join(clean["roles"]), "category": clean.get("category"),
            "email": clean.get("email"), "phone": clean.get("phone"), "dingtalk_userid": clean.get("dingtalk_userid"),
            "wecom_userid": clean.get("wecom_userid"), "channels": [], "digest": False, "active": True,
            "must_change_password": False}


def edit_person(site: Site, *, by: str | None, login: str, data: dict[str, Any],
                handover_to: str | None = None) -> dict[str, Any]:
    """Change a person's fields. Disabling them (`active` false) or moving them to another unit hands their open
    tasks to `handover_to`, else back to the queue of the unit they leave, in the same transaction; a disabled
    person's tokens are revoked (the API evicts them from its cache: api.auth.forget_person)."""
    _admin(site, by)
    clean = rules.clean_person(site.org, data, new=False)
    if by == login and (clean.get("active") is False or ("roles" in clean and "admin" not in clean["roles"])):
        raise InputError("active" if clean.get("active") is False else "roles", "不能停用自己或取消自己的管理员角色",
                         "you cannot disable yourself or drop your own administrator role")
    now = site.clock.now()
    with db.write(site.eng) as conn:
        r = _row(conn, login)
        changes = {TO_COLUMN[k]: (",".join(v) if k == "roles" else v) for k, v in clean.items()}
        before = {k: getattr(r, k) for k in changes if getattr(r, k) != changes[k]}
        after = {k: changes[k] for k in before}
        leaving = after.get("active") is False
        moving = "unit_id" in after and r.active and not leaving
        data_out: dict[str, Any] = {"login": login, "before": before, "after": after}
        words_zh, words_en = f"修改人员 {r.name_zh}（{login}）", f"changed the person {login}"
        if leaving or moving:
            to = rules.handover_holder(site.org, login, handover_to, r.unit_id)
            why = ("停用账号", "left (account disabled)") if leaving else \
                (f"调往{site.org.holder_name(Holder(unit=after['unit_id']))}", f"moved to {after['unit_id']}")
            moved = hand_over(site, conn, leaver=login, to=to, by=by, why=why, now=now)
            data_out["handover"] = {"to": to.as_dict(), "tasks": moved}
            if leaving:
                data_out["tokens_revoked"] = tokens.revoke_person_tokens(conn=conn, login=login, now=now)
                words_zh, words_en = f"停用人员 {r.name_zh}（{login}）", f"disabled the person {login}"
            else:
                words_zh, words_en = f"人员 {r.name_zh}（{login}）调动单位", f"moved the person {login} to another unit"
            if moved:
                words_zh += f"，批量转办 {len(moved)} 项待办给 {site.org.holder_name(to)}"
                words_en += f"; {len(moved)} open task(s) handed over to {site.org.holder_name(to, 'en')}"
        if after:
            org_store.update_person(conn=conn, login=login, changes=after)
            org_store.bump_stamp(conn=conn, now=now)
            audit.record(conn=conn, at=now, actor=by, kind="person_disabled" if leaving else "person_changed",
                         zh=words_zh, en=words_en, data=data_out)
        result = public(_row(conn, login)) | {"handed_over": data_out.get("handover", {}).get("tasks", [])}
    _done(site)
    return result


def disable(site: Site, *, by: str | None, login: str, handover_to: str | None = None) -> dict[str, Any]:
    """A leaver: the account stops at once and their open tasks go to `handover_to` or back to their unit."""
    return edit_person(site, by=by, login=login, data={"active": False}, handover_to=handover_to)


def hand_over(site: Site, conn: Connection, *, leaver: str, to: Holder, by: str | None, why: tuple[str, str],
              now: datetime) -> list[dict[str, Any]]:
    """批量转办 in the caller's transaction: each open task the leaver holds by name goes to `to` through the
    engine's write path (apply), each item's timeline saying so; returns the tasks moved."""
    ctx = site.ctx(now, conn)
    by_item: dict[int, list[int]] = defaultdict(list)
    for t in item_store.open_tasks_held_by(conn=conn, login=leaver):
        by_item[t.instance_id].append(t.id)
    moved = []
    for iid, task_ids in by_item.items():
        item = item_store.load_item(conn=conn, item_id=iid, definition_of=site.definition, for_update=True)
        effects = []
        for n, tid in enumerate(task_ids):
            task = item.task(tid)
            effects += do_handover(item, task, to, ctx, by=None if console(by) else by, leaver=leaver, reason_zh=why[0], reason_en=why[1],
                                   ref=f"handover{n}")
            moved.append({"task": tid, "item": iid, "serial": item_store.serial_of(conn=conn, item=item),
                          "step": task.step})
        try:
            site.apply(conn, item, effects, by, ctx)
        except ItemMoved:
            raise Conflict("事项正被他人修改，请稍后重试", "an item changed meanwhile; try again", {"instance": iid}) from None
    return moved


# ------------------------------------------------------------------ passwords
def set_password(site: Site, *, by: str | None, login: str, password: str) -> None:
    """An administrator (or the operator) sets an initial or new password: the person must change it at the next sign-in, and
    every token they hold stops (the API also evicts them from its cache)."""
    _admin(site, by)
    check_password(password, login)
    now = site.clock.now()
    with db.write(site.eng) as conn:
        r = _row(conn, login)
        if not r.active:
            raise InputError("login", "该人员已停用，不能设置密码", "this person is disabled; no password can be set")
        org_store.set_password(conn=conn, login=login, password_hash=hash_password(password), must_change=True,
                               now=now)
        revoked = tokens.revoke_person_tokens(conn=conn, login=login, now=now)
        org_store.bump_stamp(conn=conn, now=now)
        audit.record(conn=conn, at=now, actor=by, kind="password_set",
                     zh=f"为 {r.name_zh}（{login}）设置密码，须在登录后修改",
                     en=f"set a password for {login}, to be changed at the next sign-in",
                     data={"login": login, "tokens_revoked": revoked, "must_change_password": True})
    _done(site)


def change_own_password(site: Site, *, login: str, current: str, new: str) -> None:
    """A person changes their own password (the current one first); this clears a forced change."""
    if len(current) > MAX_PASSWORD:
        raise InputError("current", "当前密码不正确", "the current password is wrong")
    now = site.clock.now()
    with db.read(site.eng) as conn:
        stored = org_store.password_hash_any(conn=conn, login=login)
    if not verify_password(stored, current):
        raise InputError("current", "当前密码不正确", "the current password is wrong")
    if new == current:
        raise InputError("new", "新密码不能与当前密码相同", "the new password must differ from the current one")
    check_password(new, login, field="new")
    with db.write(site.eng) as conn:
        org_store.set_password(conn=conn, login=login, password_hash=hash_password(new), must_change=False, now=now)
        org_store.bump_stamp(conn=conn, now=now)
        audit.record(conn=conn, at=now, actor=login, kind="password_changed", zh=f"{login} 修改了自己的密码",
                     en=f"{login} changed their password", data={"login": login})
    _done(site)


# ------------------------------------------------------------------ import
def import_people(site: Site, *, by: str | None, header: list[str], rows: list[tuple[int, list[str]]],
                  dry_run: bool, source: str) -> dict[str, Any]:
    """Staff from a spreadsheet, all or nothing: every bad row is named (SheetError) and nothing is written;
    `dry_run` only says who would be created. Imported people have no password yet (say so)."""
    _admin(site, by)
    with db.read(site.eng) as conn:
        taken = org_store.all_logins(conn=conn)
    checked = rules.check_sheet(site.org, header, rows, taken)
    if checked.problems:
        raise SheetError(checked.problems)
    people = [{"row": p["row"], "login": p["login"], "name": p["name"], "unit": p["unit"], "roles": p["roles"],
               "category": p.get("category")} for p in checked.people]
    if dry_run:
        return {"dry_run": True, "created": people, "count": len(people)}
    now = site.clock.now()
    with db.write(site.eng) as conn:
        clash = {p["login"] for p in checked.people} & org_store.all_logins(conn=conn)
        if clash:
            raise InputError("file", f"登录名已被使用：{'、'.join(sorted(clash))}", f"logins taken: {', '.join(sorted(clash))}")
        org_store.insert_people(conn=conn, rows=[_person_row(p) for p in checked.people])
        org_store.bump_stamp(conn=conn, now=now)
        audit.record(conn=conn, at=now, actor=by, kind="people_imported",
                     zh=f"从 {source} 导入 {len(people)} 名人员", en=f"imported {len(people)} people from {source}",
                     data={"file": source, "logins": [p["login"] for p in people],
                           "after": {p["login"]: {k: _person_row(p)[k] for k in SHOWN} for p in checked.people}})
    _done(site)
    return {"dry_run": False, "created": people, "count": len(people),
            "without_password": [p["login"] for p in people]}
