"""`duban org load FILE`: units, people, roles and role categories from an organisation file (audited)."""
from __future__ import annotations

import argparse

from engine.runtime.boot import load_org_file, open_site


def cmd_org(args: argparse.Namespace) -> int:
    counts = load_org_file(open_site(args.db), args.file)
    print(f"loaded {counts['units']} unit(s) and {counts['people']} people from {args.file}")
    return 0
