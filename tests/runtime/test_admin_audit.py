"""Administrative changes leave audit events (留痕) like any other change: calendar overrides from the command
line, `duban org load`, and each new definition version."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.cli.main import main
from engine.reads.lists import audit_events
from engine.runtime.boot import demo_org_path, load_org_file, register_definitions

ROOT = Path(__file__).resolve().parents[2]


def events(site, kind: str) -> list[dict]:
    return [e for e in audit_events(site, login="admin", lang="en")["events"] if e["kind"] == kind]


def test_the_calendar_command_leaves_an_audit_event_for_each_change(site, database_url, capsys):
    assert main(["calendar", "--db", database_url, "set", "2027-03-02", "off", "--note", "停电检修"]) == 0
    assert main(["calendar", "--db", database_url, "unset", "2027-03-02"]) == 0
    assert main(["calendar", "--db", database_url, "unset", "2027-03-02"]) == 1  # nothing to remove: no event
    got = events(site, "calendar")
    assert [e["text"] for e in got] == ["set 2027-03-02 as a day off: 停电检修", "removed the override of 2027-03-02"]
    assert all(e["data"]["date"] == "2027-03-02" and e["data"]["via"].startswith("cli") for e in got)
    site.reload()
    assert site.cal.is_working_day(date(2027, 3, 2))  # and the change itself happened (then was undone)


def test_org_load_is_audited_without_any_password(site, database_url, capsys):
    before = len(events(site, "org_loaded"))
    assert main(["org", "--db", database_url, "load", str(demo_org_path())]) == 0
    got = events(site, "org_loaded")
    assert len(got) == before + 1
    last = got[-1]
    assert last["data"]["file"] == "org.demo.yaml" and "clerk" in last["data"]["logins"]
    assert last["data"]["people"] == len(last["data"]["logins"]) > 0 and last["data"]["passwords_set"] is False


def test_org_load_with_passwords_records_that_they_were_set_but_never_the_hash(site):
    load_org_file(site, demo_org_path(), password_hash="$argon2id$v=19$secret-hash")
    last = events(site, "org_loaded")[-1]
    assert last["data"]["passwords_set"] is True
    assert "argon2" not in repr(last) and "secret-hash" not in repr(last)


def test_each_new_definition_version_is_audited_once(site, tmp_path):
    shipped = ROOT / "definitions" / "directive.yaml"
    before = events(site, "definition_registered")
    assert {(e["data"]["definition"], e["data"]["version"]) for e in before} >= {("directive", 2)}
    assert register_definitions(site, [shipped]) == []  # already there: nothing new, nothing recorded
    assert events(site, "definition_registered") == before
    changed = tmp_path / "directive.yaml"
    changed.write_text(shipped.read_text(encoding="utf-8").replace("version: 2", "version: 3", 1), encoding="utf-8")
    assert register_definitions(site, [changed]) == ["directive@3"]
    new = events(site, "definition_registered")[len(before):]
    assert [(e["data"]["definition"], e["data"]["version"], e["data"]["file"]) for e in new] == \
        [("directive", 3, "directive.yaml")]
