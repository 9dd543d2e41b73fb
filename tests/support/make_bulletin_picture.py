"""Draw the README's picture of a bulletin: the first quarter of 2026 in the demo office (tests/support/quarter.py)
on a temporary SQLite file, its bulletin as PDF, the first page as PNG (pdftoppm, from poppler-utils).

    .venv/bin/python -m tests.support.make_bulletin_picture [docs/screenshots/bulletin.png]

Not a test: nothing here is collected by pytest."""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from api.documents.pdf import bulletin_pdf
from engine.reads import bulletin
from engine.reads.supervision import Filters
from engine.runtime.boot import demo_org_path, load_org_file, open_site
from tests.support.clock import manual_clock
from tests.support.office import Office
from tests.support.quarter import drive_quarter


def main(target: str = "docs/screenshots/bulletin.png") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clock = manual_clock()
        site = open_site(f"sqlite:///{tmp}/bulletin.db", clock)
        load_org_file(site, demo_org_path())
        drive_quarter(Office(site, clock), clock)
        pdf = Path(tmp) / "bulletin.pdf"
        pdf.write_bytes(bulletin_pdf(bulletin.build(site, login="leader", filters=Filters(), kind="quarter")))
        out = Path(target)
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                        str(out.with_suffix(""))], check=True)
        site.eng.dispose()
    print(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
