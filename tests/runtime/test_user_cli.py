"""`duban user` and `duban org load` as the operator types them on the server (a real subprocess, the password on
standard input as a script gives it): the first administrator, a password reset, a leaver with a successor, the
list; an organisation file's passwords only with --with-passwords, and who cannot sign in said aloud."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from engine.reads.lists import audit_events
from engine.runtime.passwords import verify_password
from engine.store import db
from engine.store.org import password_hash_any, person_row

ROOT = Path(__file__).resolve().parents[2]


def duban(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DUBAN_DATABASE_URL": database_url}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def test_the_operator_creates_the_first_administrator_resets_a_password_and_disables_a_leaver(site, database_url,
                                                                                              office):
    r = duban(database_url, "user", "add", "zongwu.admin", "--name", "综合管理员", "--unit", "办公室",
              "--role", "admin", "--role", "auditor", stdin="Zongwu-admin-2026\n")
    assert r.returncode == 0, r.stderr
    assert "zongwu.admin" in r.stdout and "must change the password" in r.stdout
    with db.read(site.eng) as conn:
        row = person_row(conn=conn, login="zongwu.admin")
        assert row.roles == "admin,auditor" and row.must_change_password
        assert verify_password(password_hash_any(conn=conn, login="zongwu.admin"), "Zongwu-admin-2026")

    weak = duban(database_url, "user", "passwd", "finance.staff1", stdin="123456\n")
    assert weak.returncode == 2 and "至少 10 个字符" in weak.stderr
    assert duban(database_url, "user", "passwd", "finance.staff1", stdin="Caiwu-reset-2026\n").returncode == 0

    item = office.issue_directive(co_units=[])
    office.register_and_assign(item, lead="finance.staff1", co=[])
    r = duban(database_url, "user", "disable", "finance.staff1", "--handover-to", "finance.staff2")
    assert r.returncode == 0, r.stderr
    assert "1 项待办" in r.stdout and "督〔2026〕1号" in r.stdout
    assert office.tasks(item, "handle")[-1]["holder"] == {"person": "finance.staff2"}

    listed = duban(database_url, "user", "list").stdout
    line = {ln.split()[0]: ln for ln in listed.splitlines() if ln.strip()}
    assert "停用 disabled" in line["finance.staff1"] and "须改密码" in line["zongwu.admin"]
    events = audit_events(site, login="admin", lang="en")["events"]
    assert {e["kind"] for e in events if (e["actor"] or "").startswith("cli")} >= {
        "person_added", "password_set", "person_disabled"}


def test_org_load_sets_passwords_only_when_asked_and_says_who_cannot_sign_in(site, database_url, tmp_path):
    org = tmp_path / "audit.yaml"
    org.write_text("units:\n  audit: {zh: 审计处, en: Audit}\npeople:\n"
                   "  - {login: audit.li, name: 李审计, unit: audit, roles: [staff], password: Shenji-li-2026}\n"
                   "  - {login: audit.wu, name: 吴审计, unit: audit, roles: [staff]}\n", encoding="utf-8")
    r = duban(database_url, "org", "load", str(org))
    assert r.returncode == 0, r.stderr
    assert "ignored the password of 1 people" in r.stdout and "audit.li, audit.wu" in r.stdout
    with db.read(site.eng) as conn:
        assert password_hash_any(conn=conn, login="audit.li") is None
    r = duban(database_url, "org", "load", "--with-passwords", str(org))
    assert r.returncode == 0, r.stderr
    assert "set 1 initial password(s)" in r.stdout and r.stdout.rstrip().endswith("`duban user passwd LOGIN`: audit.wu")
    with db.read(site.eng) as conn:
        assert verify_password(password_hash_any(conn=conn, login="audit.li"), "Shenji-li-2026")
        assert person_row(conn=conn, login="audit.li").must_change_password
    trail = repr(audit_events(site, login="admin", lang="en"))
    assert "Shenji-li-2026" not in trail and "argon2" not in trail
