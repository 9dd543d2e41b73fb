"""`make test` first sees to what the tests need from the system (.ci/system-deps): chromium, a Chinese font, slapd,
ldap-utils, openssl and poppler-utils. As root with apt-get it installs what is missing (slapd unconfigured, its service kept from
starting); elsewhere it stops before the tests with one line per missing package and the command that installs it;
DUBAN_SKIP_SYSTEM_DEPS=1 skips the check, saying what that costs.

The script runs on a PATH of stand-in tools, and with SYSTEM_DEPS_ROOT pointing at an empty folder, so that this
machine's own chromium and slapd are not seen and nothing is installed for real."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "system-deps"
PACKAGES = ("chromium", "fonts-wqy-zenhei", "slapd", "ldap-utils", "openssl", "poppler-utils")


def machine(tmp_path: Path, *, uid: int, apt: bool) -> tuple[dict, Path]:
    """A bare machine: basic tools only (no fc-list, dpkg-query, sudo), `id -u` saying `uid`, and with `apt` a
    stand-in apt-get that logs its calls and "installs" by creating the files each package brings."""
    bin_, root, log = tmp_path / "bin", tmp_path / "root", tmp_path / "calls.log"
    bin_.mkdir()
    (root / "usr" / "sbin").mkdir(parents=True)
    for tool in ("grep", "cat", "env", "tee", "chmod", "rm", "mkdir", "touch"):
        os.symlink(shutil.which(tool), bin_ / tool)

    def tool(name: str, body: str) -> None:
        (bin_ / name).write_text("#!" + shutil.which("bash") + "\n" + body)
        (bin_ / name).chmod(0o755)

    tool("id", f'echo {uid}\n')
    if apt:
        tool("apt-get", f'''echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND \
policy-rc.d=$(cat {root}/usr/sbin/policy-rc.d 2>/dev/null | grep -c 'exit 101')" >> {log}
for p in "$@"; do case "$p" in
  chromium) mkdir -p {root}/usr/bin && touch {root}/usr/bin/chromium && chmod 755 {root}/usr/bin/chromium ;;
  slapd) touch {root}/usr/sbin/slapd && chmod 755 {root}/usr/sbin/slapd ;;
  ldap-utils) mkdir -p {root}/usr/bin && touch {root}/usr/bin/ldapsearch && chmod 755 {root}/usr/bin/ldapsearch ;;
  openssl) mkdir -p {root}/usr/bin && touch {root}/usr/bin/openssl && chmod 755 {root}/usr/bin/openssl ;;
  poppler-utils) mkdir -p {root}/usr/bin && touch {root}/usr/bin/pdftoppm && chmod 755 {root}/usr/bin/pdftoppm ;;
  fonts-wqy-zenhei) touch {tmp_path}/font-installed ;;
esac; done
''')
        tool("debconf-set-selections", f'echo "debconf $(cat)" >> {log}\n')
        tool("dpkg-query", f'[ -e {tmp_path}/font-installed ] && echo "install ok installed"\n')
    return {"PATH": str(bin_), "SYSTEM_DEPS_ROOT": str(root)}, log


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def test_a_newcomer_without_root_is_stopped_with_one_line_per_missing_package(tmp_path):
    env, _ = machine(tmp_path, uid=1000, apt=False)
    result = run(env)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("make test: missing ")]
    assert [line.split()[3].rstrip(",") for line in lines] == list(PACKAGES)
    assert "sudo apt-get install -y --no-install-recommends chromium" in lines[0]
    assert "sudo apt-get install -y --no-install-recommends fonts-wqy-zenhei" in lines[1]
    assert ("echo 'slapd slapd/no_configuration boolean true' | sudo debconf-set-selections && sudo env "
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd") in lines[2]
    assert "directory (LDAP) tests" in lines[3]
    assert "stopped before the tests" in result.stderr and "DUBAN_SKIP_SYSTEM_DEPS=1 make test" in result.stderr
    assert "installing" not in result.stdout


def test_skipping_the_check_is_said_and_lets_the_tests_run(tmp_path):
    env, _ = machine(tmp_path, uid=1000, apt=False)
    result = run({**env, "DUBAN_SKIP_SYSTEM_DEPS": "1"})
    assert result.returncode == 0
    assert "not checked" in result.stderr and "fail or skip" in result.stderr


def test_as_root_it_installs_what_is_missing_with_slapd_unconfigured_and_no_service_started(tmp_path):
    env, log = machine(tmp_path, uid=0, apt=True)
    result = run(env)
    assert result.returncode == 0, result.stderr
    assert "installing what the tests need from the system: chromium fonts-wqy-zenhei slapd ldap-utils openssl poppler-utils" in result.stdout
    calls = log.read_text().splitlines()
    assert calls[0] == "debconf slapd slapd/no_configuration boolean true"
    assert calls[1] == ("apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends chromium fonts-wqy-zenhei "
                        "slapd ldap-utils openssl poppler-utils DEBIAN_FRONTEND=noninteractive policy-rc.d=1")
    assert not (Path(env["SYSTEM_DEPS_ROOT"]) / "usr/sbin/policy-rc.d").exists()  # removed once apt-get is done
    assert run(env).returncode == 0 and len(log.read_text().splitlines()) == 2  # then a no-op


def test_an_existing_policy_rc_d_is_left_as_it_was(tmp_path):
    env, _ = machine(tmp_path, uid=0, apt=True)
    policy = Path(env["SYSTEM_DEPS_ROOT"]) / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    assert run(env).returncode == 0
    assert policy.read_text() == "#!/bin/sh\nexit 101\n"


@pytest.mark.parametrize("package", ["slapd", "ldap-utils", "openssl", "poppler-utils"])
def test_when_apt_get_cannot_install_it_stops_naming_what_is_still_missing(tmp_path, package):
    env, log = machine(tmp_path, uid=0, apt=True)
    apt = Path(env["PATH"]) / "apt-get"  # an apt-get that installs everything but `package`
    apt.write_text(apt.read_text().replace(f"  {package})", "  not-this)"))
    result = run(env)
    assert result.returncode == 1
    missing = [line for line in result.stderr.splitlines() if line.startswith("make test: missing ")]
    assert len(missing) == 1 and missing[0].startswith(f"make test: missing {package},")
    assert "apt-get install -y --no-install-recommends" in missing[0] and "sudo" not in missing[0]  # already root
