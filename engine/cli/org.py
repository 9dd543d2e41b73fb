"""`duban org load FILE [--with-passwords]`: units, people, roles and role categories from an organisation file
(audited). A person's `password:` is used only with --with-passwords (checked by the password policy, hashed,
and changed at the first sign-in); either way the command says who cannot sign in until a password is set.
`duban org sync-ldap [--dry-run]`: units and people brought over from the directory (engine.runtime.directory),
printing what changed, or with --dry-run what would change."""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from engine.core.passwords import check_password
from engine.core.states import InputError
from engine.runtime import directory
from engine.runtime.boot import load_org_file, open_site, without_password
from engine.runtime.passwords import hash_password


def cmd_org(args: argparse.Namespace) -> int:
    if args.org_command == "sync-ldap":
        return cmd_sync_ldap(args)
    data = yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}
    given = {p["login"]: str(p["password"]) for p in data.get("people") or [] if p.get("password")}
    hashes = None
    if args.with_passwords:
        for login, password in given.items():
            try:
                check_password(password, login)
            except InputError as e:
                raise InputError("password", f"{login} 的密码不合要求：{e.zh}", f"the password of {login}: {e.en}") from None
        hashes = {login: hash_password(pw) for login, pw in given.items()}
    elif given:
        print(f"忽略了 {len(given)} 人的 password（需要 --with-passwords）; ignored the password of {len(given)} "
              "people (use --with-passwords)")
    site = open_site(args.db)
    counts = load_org_file(site, args.file, person_hashes=hashes)
    print(f"loaded {counts['units']} unit(s) and {counts['people']} people from {args.file}")
    if hashes:
        print(f"设置了 {len(hashes)} 人的初始密码，首次登录须修改 (set {len(hashes)} initial password(s), "
              "to be changed at the first sign-in)")
    missing = without_password(site, [p["login"] for p in data.get("people") or []])
    if missing:
        print(f"以下 {len(missing)} 人尚无密码，设置前无法登录；{len(missing)} people cannot sign in until a password "
              f"is set with `duban user passwd LOGIN`: {', '.join(missing)}")
    return 0


def cmd_sync_ldap(args: argparse.Namespace) -> int:
    site = open_site(args.db)
    plan = directory.sync(site, dry_run=args.dry_run)
    for line in plan.lines():
        print(line)
    if plan.empty():
        print("无需更改 nothing to change: this site is in step with the directory")
    elif args.dry_run:
        print("演练，未做任何更改 dry run: nothing was changed (run without --dry-run to apply)")
    else:
        print("已同步并记入审计日志 synced; one audit event lists the changes")
    return 0
