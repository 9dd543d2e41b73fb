"""Run every benchmark module that exists: `python -m bench [name ...]`."""
from __future__ import annotations

import importlib
import sys
import traceback

# Add a benchmark by adding its module name (bench/<name>.py) here; it needs `main(argv)`, returning an exit
# status (an int) or anything else for success.
MODULES = ["lifecycle", "sweep", "http_lifecycle", "postgres", "appraisal", "signin", "search"]


def main(argv: list[str]) -> int:
    status = 0
    for name in argv or MODULES:
        try:
            mod = importlib.import_module(f"bench.{name}")
        except Exception as e:  # noqa: BLE001 - a missing or broken benchmark is skipped, not fatal
            print(f"-- skipping bench.{name}: cannot import it ({type(e).__name__}: {e})")
            continue
        print(f"== bench.{name}")
        try:
            rc = mod.main([])
        except Exception:  # noqa: BLE001 - one failing benchmark does not stop the others
            traceback.print_exc()
            rc = 1
        status = status or (rc if isinstance(rc, int) else 0)
        print()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
