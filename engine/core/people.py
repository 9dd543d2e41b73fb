"""People and units as an administrator edits them, pure: the login and unit-code grammar, the bounds of every
field, a person's record checked against the organisation (unit, roles, category by code or by Chinese name),
the rows of a staff spreadsheet checked all at once (every bad row named by number and column), and where a
leaver's or mover's open tasks go. Every message in Chinese and English."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.core.dsl import ROLES
from engine.core.org import Holder, Org
from engine.core.states import InputError

LOGIN = re.compile(r"[a-z][a-z0-9._-]{1,63}")
UNIT_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}")
PHONE = re.compile(r"\+?[0-9][0-9 \-]{2,30}")
# field: (the most characters, Chinese label, English label)
LIMITS: dict[str, tuple[int, str, str]] = {
    "login": (64, "登录名", "login"), "name": (64, "姓名", "name"), "name_en": (128, "英文名", "English name"),
    "email": (254, "邮箱", "e-mail"), "phone": (32, "手机", "phone"),
    "dingtalk_userid": (64, "钉钉用户 ID", "DingTalk user id"), "wecom_userid": (64, "企业微信用户 ID", "WeCom user id"),
    "unit_name": (64, "单位名称", "unit name"), "unit_name_en": (128, "单位英文名", "unit English name"),
    "code": (64, "单位代码", "unit code"),
}
MAX_ROLES = len(ROLES)
PERSON_FIELDS = ("name", "name_en", "unit", "roles", "category", "email", "phone", "dingtalk_userid", "wecom_userid",
                 "active")
# the spreadsheet's columns, in order, and the fields they fill
SHEET_COLUMNS = (("登录名", "login"), ("姓名", "name"), ("单位", "unit"), ("角色", "roles"), ("类别", "category"),
                 ("邮箱", "email"), ("手机", "phone"))
MAX_SHEET_ROWS = 5000
ROLE_SPLIT = re.compile(r"[、,，;；]")


def check_login(login: str, field_name: str = "login") -> str:
    if not isinstance(login, str) or not LOGIN.fullmatch(login):
        raise InputError(field_name, "登录名为 2–64 个字符：小写字母开头，只含小写字母、数字和 . _ -",
                         "a login has 2–64 characters: a lower-case letter, then lower-case letters, digits, . _ or -")
    return login


def check_unit_code(code: str) -> str:
    if not isinstance(code, str) or not UNIT_CODE.fullmatch(code):
        raise InputError("code", "单位代码为 1–64 个字符：小写字母开头，只含小写字母、数字和下划线",
                         "a unit code has 1–64 characters: a lower-case letter, then lower-case letters, digits or _")
    return code


def bounded(name: str, value: Any, *, required: bool = False, field_name: str | None = None) -> str | None:
    """A text field trimmed and within its limit (None when empty and not required)."""
    most, zh, en = LIMITS[name]
    where = field_name or name
    text = "" if value is None else str(value).strip()
    if not text:
        if required:
            raise InputError(where, f"请填写{zh}", f"the {en} is required")
        return None
    if len(text) > most or "\x00" in text:
        raise InputError(where, f"{zh}最多 {most} 个字符", f"the {en} holds at most {most} characters")
    return text


def unit_of(org: Org, value: str, field_name: str = "unit") -> str:
    """A unit by its code or its Chinese (or English) name."""
    text = (value or "").strip()
    if text in org.units:
        return text
    for u in org.units.values():
        if text and text in (u.name_zh, u.name_en):
            return u.id
    raise InputError(field_name, f"没有单位“{text}”", f"no unit {text!r}")


def roles_of(values: list[str] | str, field_name: str = "roles") -> list[str]:
    """Roles by code or Chinese name, as a list or as text separated by 、 or , (at least one)."""
    items = ROLE_SPLIT.split(values) if isinstance(values, str) else list(values)
    out: list[str] = []
    for raw in items:
        text = str(raw).strip()
        if not text:
            continue
        code = text if text in ROLES else next((r for r, (zh, en) in ROLES.items() if text in (zh, en)), None)
        if code is None:
            raise InputError(field_name, f"没有角色“{text}”（可选：{'、'.join(zh for zh, _ in ROLES.values())}）",
                             f"no role {text!r} (known: {', '.join(ROLES)})")
        if code not in out:
            out.append(code)
    if not out:
        raise InputError(field_name, "至少需要一个角色", "at least one role is required")
    return out


def category_of(org: Org, value: str | None, field_name: str = "category") -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if text in org.categories:
        return text
    for code, (zh, en) in org.categories.items():
        if text in (zh, en):
            return code
    raise InputError(field_name, f"没有考核类别“{text}”", f"no role category {text!r}")


def contact(name: str, value: Any) -> str | None:
    text = bounded(name, value)
    if text is None:
        return None
    if name == "email" and not EMAIL.fullmatch(text):
        raise InputError("email", "邮箱格式不对，例如 zhang@example.cn", "an e-mail address looks like zhang@example.cn")
    if name == "phone" and not PHONE.fullmatch(text):
        raise InputError("phone", "手机号只含数字、空格、- 和开头的 +", "a phone number has digits, spaces, - and a leading +")
    return text


def clean_person(org: Org, data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """A person's fields checked against the organisation: on `new` every required field, else only those
    given. Returns the values to store (roles as a list, unit and category as codes)."""
    out: dict[str, Any] = {}
    if new:
        out["login"] = check_login(data.get("login", ""))
    for key in ("name", "name_en"):
        if new or key in data:
            out[key] = bounded(key, data.get(key), required=key == "name") or ("" if key == "name_en" else None)
    if new or "unit" in data:
        out["unit"] = unit_of(org, data.get("unit") or "")
    if new or "roles" in data:
        roles = data.get("roles") or (["staff"] if new else [])
        if not isinstance(roles, (list, str)) or (isinstance(roles, list) and len(roles) > MAX_ROLES):
            raise InputError("roles", f"角色最多 {MAX_ROLES} 个", f"at most {MAX_ROLES} roles")
        out["roles"] = roles_of(roles)
    if new or "category" in data:
        out["category"] = category_of(org, data.get("category"))
    for key in ("email", "phone"):
        if new or key in data:
            out[key] = contact(key, data.get(key))
    for key in ("dingtalk_userid", "wecom_userid"):
        if new or key in data:
            out[key] = bounded(key, data.get(key))
    if "active" in data and not new:
        if not isinstance(data["active"], bool):
            raise InputError("active", "请选择是否在岗", "active is true or false")
        out["active"] = data["active"]
    return out


def clean_unit(data: dict[str, Any], *, new: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if new:
        out["code"] = check_unit_code(data.get("code", ""))
    if new or "name" in data:
        out["name"] = bounded("unit_name", data.get("name"), required=True, field_name="name")
    if new or "name_en" in data:
        out["name_en"] = bounded("unit_name_en", data.get("name_en"), field_name="name_en") or ""
    return out


# ------------------------------------------------------------------ the staff spreadsheet
@dataclass(frozen=True)
class RowProblem:
    row: int      # the spreadsheet's row number (the header is row 1)
    column: str   # the column's Chinese heading
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message_zh": self.zh, "message_en": self.en}


@dataclass
class SheetCheck:
    people: list[dict[str, Any]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def check_sheet(org: Org, header: list[str], rows: list[tuple[int, list[str]]], taken: set[str]) -> SheetCheck:
    """The rows of a staff spreadsheet (登录名, 姓名, 单位, 角色, 类别, 邮箱, 手机), each checked like a new person;
    logins already `taken` (active or not) or repeated in the sheet are problems too. Nothing is half-accepted:
    a caller imports `people` only when `problems` is empty."""
    out = SheetCheck()
    heads = [str(h or "").strip() for h in header]
    missing = [zh for zh, key in SHEET_COLUMNS[:4] if zh not in heads and key not in heads]
    for zh in missing:
        out.problems.append(RowProblem(1, zh, f"缺少“{zh}”列", f"the column {zh} is missing"))
    if missing:
        return out
    where = {key: next(i for i, h in enumerate(heads) if h in (zh, key)) for zh, key in SHEET_COLUMNS
             if zh in heads or key in heads}
    if len(rows) > MAX_SHEET_ROWS:
        out.problems.append(RowProblem(MAX_SHEET_ROWS + 2, "", f"最多导入 {MAX_SHEET_ROWS} 行",
                                       f"at most {MAX_SHEET_ROWS} rows are imported at once"))
        return out
    seen: dict[str, int] = {}
    columns = dict((key, zh) for zh, key in SHEET_COLUMNS)
    for number, cells in rows:
        data = {key: (cells[i] if i < len(cells) else "") for key, i in where.items()}
        data = {k: ("" if v is None else str(v).strip()) for k, v in data.items()}
        if not any(data.values()):
            continue  # an empty line
        row_problems = []
        for key in ("login", "name", "unit", "roles", "category", "email", "phone"):
            try:
                if key == "login":
                    check_login(data.get("login", ""))
                elif key in ("name",):
                    bounded("name", data.get("name"), required=True)
                elif key == "unit":
                    unit_of(org, data.get("unit", ""))
                elif key == "roles":
                    roles_of(data.get("roles", ""))
                elif key == "category":
                    category_of(org, data.get("category"))
                else:
                    contact(key, data.get(key))
            except InputError as e:
                zh, en = e.zh.split(": ", 1)[-1], e.en.split(": ", 1)[-1]
                row_problems.append(RowProblem(number, columns[key], zh, en))
        login = data.get("login", "")
        if login in taken:
            row_problems.append(RowProblem(number, "登录名", f"登录名“{login}”已被使用", f"the login {login!r} is taken"))
        elif login and login in seen:
            row_problems.append(RowProblem(number, "登录名", f"登录名“{login}”与第 {seen[login]} 行重复",
                                           f"the login {login!r} repeats row {seen[login]}"))
        seen.setdefault(login, number)
        if row_problems:
            out.problems += row_problems
            continue
        out.people.append(clean_person(org, data | {"roles": data["roles"]}, new=True) | {"row": number})
    if not out.people and not out.problems:
        out.problems.append(RowProblem(2, "", "表格里没有人员", "the spreadsheet holds nobody"))
    return out


# ------------------------------------------------------------------ leavers and movers
def handover_holder(org: Org, leaver: str, successor: str | None, unit: str, field_name: str = "handover_to") -> Holder:
    """Where a leaver's (or mover's) open tasks go: the named successor (an active person, not the leaver), else
    back to the queue of `unit` (the unit they leave), which its head holds."""
    if successor:
        if successor == leaver:
            raise InputError(field_name, "接手人不能是本人", "the successor cannot be the person who leaves")
        if successor not in org.people:
            raise InputError(field_name, f"没有在岗人员“{successor}”", f"no active person {successor!r}")
        return Holder(person=successor)
    return Holder(unit=unit)
