"""`duban user add|passwd|disable|list`: accounts from the server's console, through the same service as the
administration API (engine.runtime.people), audited with the operating-system account as the actor (`cli:NAME`).
A password is asked twice with getpass at a terminal, or read as one line from standard input (scripts)."""
from __future__ import annotations

import argparse
import getpass
import sys

from engine.cli.calendar import operator
from engine.core.states import InputError
from engine.runtime import people
from engine.runtime.boot import open_site


def read_password(login: str) -> str:
    """The new password: asked twice at a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass(f"{login} 的新密码 new password: ")
        if getpass.getpass("再输入一次 again: ") != first:
            raise InputError("password", "两次输入的密码不一致", "the two passwords differ")
        return first
    line = sys.stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    if password.endswith("\r"):
        password = password[:-1]
    if not password:
        raise InputError("password", "标准输入中没有密码", "no password on standard input")
    return password


def cmd_user(args: argparse.Namespace) -> int:
    site = open_site(args.db)
    by = operator()
    if args.user_command == "add":
        data = {"login": args.login, "name": args.name, "name_en": args.name_en or "", "unit": args.unit,
                "roles": args.role or ["staff"], "category": args.category, "email": args.email, "phone": args.phone}
        password = None if args.no_password else read_password(args.login)
        p = people.add_person(site, by=by, data=data, password=password)
        print(f"已添加 added {p['login']} ({p['name']}, {p['unit']}, {', '.join(p['roles'])})"
              + ("; 首次登录须修改密码 must change the password at the first sign-in" if password else
                 f"; 设置密码后才能登录 cannot sign in until `duban user passwd {p['login']}`"))
        return 0
    if args.user_command == "passwd":
        people.set_password(site, by=by, login=args.login, password=read_password(args.login))
        print(f"已设置密码 password set for {args.login}; 下次登录须修改 to be changed at the next sign-in")
        return 0
    if args.user_command == "disable":
        before = people.get_person(site, args.login)
        if not before["active"]:
            print(f"{args.login} 已停用 is already disabled")
            return 1
        after = people.disable(site, by=by, login=args.login, handover_to=args.handover_to)
        to = args.handover_to or f"unit {before['unit']}"
        print(f"已停用 disabled {args.login}; {len(after['handed_over'])} 项待办转给 open task(s) handed over to {to}")
        for t in after["handed_over"]:
            print(f"  {t['serial']} task {t['task']} ({t['step']})")
        return 0
    total, rows = people.list_people(site, limit=100_000)
    print(f"{'login':<24} {'name':<12} {'unit':<12} {'roles':<28} state")
    for p in rows:
        state = ("停用 disabled" if not p["active"] else "无密码 no password" if not p["has_password"]
                 else "须改密码 must change password" if p["must_change_password"] else "正常 ok")
        print(f"{p['login']:<24} {p['name']:<12} {p['unit']:<12} {','.join(p['roles']):<28} {state}")
    print(f"共 {total} 人 ({total} people)")
    return 0

