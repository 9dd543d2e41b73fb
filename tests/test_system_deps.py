"""`make test` on a machine it cannot install on (no apt-get, no root tools) says what the tests miss from the
system and how to install it, and goes on (.ci/system-deps)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "system-deps"


def test_without_apt_it_names_what_is_missing_and_goes_on(tmp_path):
    bin_ = tmp_path / "bin"  # a PATH with only the basic tools: no fc-list, dpkg-query, apt-get or sudo
    bin_.mkdir()
    for tool in ("id", "grep", "cat"):
        os.symlink(shutil.which(tool), bin_ / tool)
    run = subprocess.run([shutil.which("bash"), str(SCRIPT)], env={"PATH": str(bin_)}, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "missing from the system:" in run.stderr and "fonts-wqy-zenhei" in run.stderr
    assert "apt-get install --no-install-recommends chromium fonts-wqy-zenhei poppler-utils" in run.stderr
    assert "installing" not in run.stdout
