"""`duban org load FILE`: units, people, roles and role categories from an organisation file (audited).
`duban org sync-ldap [--dry-run]`: units and people brought over from the directory (engine.runtime.directory),
printing what changed, or with --dry-run what would change."""
from __future__ import annotations

import argparse

from engine.runtime import directory
from engine.runtime.boot import load_org_file, open_site


def cmd_org(args: argparse.Namespace) -> int:
    if args.org_command == "sync-ldap":
        return cmd_sync_ldap(args)
    counts = load_org_file(open_site(args.db), args.file)
    print(f"loaded {counts['units']} unit(s) and {counts['people']} people from {args.file}")
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
