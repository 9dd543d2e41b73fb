"""People and accounts as the office's administrator changes them: a spreadsheet with bad rows imports nobody,
a mover's tasks go back to the unit he leaves in one audited 批量转办, every process notices a change through the
organisation's stamp within seconds, passwords are never in the audit trail, and only administrators may do it."""
from __future__ import annotations

import pytest

from engine.core.states import InputError, NotAllowed
from engine.reads.lists import audit_events
from engine.runtime import people, people_sheet
from engine.runtime.passwords import verify_password
from engine.runtime.site import Site
from engine.store import db, tokens
from engine.store.org import password_hash_any, person_row


def audit_of(site, kind: str) -> list[dict]:
    return [e for e in audit_events(site, login="admin", lang="en")["events"] if e["kind"] == kind]


def test_a_sheet_with_two_bad_rows_imports_nobody_and_names_both(site):
    text = ("登录名,姓名,单位,角色,类别,邮箱,手机\n"
            "finance.qian,钱会计,财务部,科员,,,\n"
            "finance.li,李会计,审计处,科员,,,\n"
            "finance.zhou,周会计,finance,会计,,,\n").encode("utf-8-sig")
    header, rows = people_sheet.read_sheet(text, "财务部.csv")
    with pytest.raises(people.SheetError) as e:
        people.import_people(site, by="admin", header=header, rows=rows, dry_run=False, source="财务部.csv")
    assert [(r["row"], r["column"]) for r in e.value.details["rows"]] == [(3, "单位"), (4, "角色")]
    assert "第 3、4 行" in e.value.zh and "nobody was imported" in e.value.en
    assert "finance.qian" not in site.org.people and audit_of(site, "people_imported") == []


def test_a_sheet_saved_by_excel_in_gb18030_imports_in_one_audited_change(site):
    text = "登录名,姓名,单位,角色\nfinance.qian,钱会计,财务部,科员、督办员\n".encode("gb18030")
    header, rows = people_sheet.read_sheet(text, "staff.csv")
    dry = people.import_people(site, by="admin", header=header, rows=rows, dry_run=True, source="staff.csv")
    assert dry["count"] == 1 and "finance.qian" not in site.org.people
    done = people.import_people(site, by="admin", header=header, rows=rows, dry_run=False, source="staff.csv")
    assert done["without_password"] == ["finance.qian"]
    assert site.org.people["finance.qian"].roles == {"staff", "clerk"}
    [event] = audit_of(site, "people_imported")
    assert event["data"]["logins"] == ["finance.qian"] and event["actor"] == "admin"


def test_a_mover_hands_his_open_tasks_back_to_the_unit_he_leaves(site, office):
    items = []
    for title in ("核对差旅费", "整理预算材料"):
        item = office.issue_directive(title=title, co_units=[])
        office.register_and_assign(item, lead="finance.staff1", co=[])
        items.append(item)
    moved = people.edit_person(site, by="admin", login="finance.staff1", data={"unit": "hr"})
    assert moved["unit"] == "hr" and len(moved["handed_over"]) == 2
    for item in items:
        [task] = [t for t in office.tasks(item, "handle") if t["state"] in ("pending", "active")]
        assert task["holder"] == {"unit": "finance"}
        assert office.kinds(item)[-1] == "handover" and "调往人力资源部" in office.timeline(item)[-1]
    [event] = audit_of(site, "person_changed")
    assert event["data"]["before"] == {"unit_id": "finance"} and event["data"]["after"] == {"unit_id": "hr"}
    assert sorted(t["item"] for t in event["data"]["handover"]["tasks"]) == sorted(items)
    assert event["data"]["handover"]["to"] == {"unit": "finance"}


def test_another_process_notices_a_new_person_through_the_stamp(site, database_url, clock):
    other = Site(db.make_engine(database_url), clock)
    other.org_check_seconds = 3600  # a replica that has just checked
    assert "finance.qian" not in other.org.people
    people.add_person(site, by="admin", data={"login": "finance.qian", "name": "钱会计", "unit": "finance"})
    assert "finance.qian" in site.org.people  # this process at once
    assert "finance.qian" not in other.org.people  # the other only at its next check
    other.org_check_seconds = 0
    assert "finance.qian" in other.org.people
    people.disable(site, by="admin", login="finance.qian")
    assert "finance.qian" not in other.org.people
    other.eng.dispose()


def test_an_administrators_password_reset_forces_a_change_and_stops_the_old_tokens(site, clock):
    now = clock.now()
    with db.write(site.eng) as conn:
        tokens.insert_token(conn=conn, token_hash="a" * 64, login="finance.staff1", now=now,
                            expires_at=now.replace(year=now.year + 1))
    people.set_password(site, by="admin", login="finance.staff1", password="Caiwu-chongzhi-01")
    with db.read(site.eng) as conn:
        assert tokens.login_of_token(conn=conn, token_hash="a" * 64, now=now) is None
        assert person_row(conn=conn, login="finance.staff1").must_change_password
    assert site.must_change_password("finance.staff1")
    with pytest.raises(InputError, match="current"):
        people.change_own_password(site, login="finance.staff1", current="wrong", new="Another-pw-2026")
    people.change_own_password(site, login="finance.staff1", current="Caiwu-chongzhi-01", new="Another-pw-2026")
    assert not site.must_change_password("finance.staff1")
    with db.read(site.eng) as conn:
        assert verify_password(password_hash_any(conn=conn, login="finance.staff1"), "Another-pw-2026")
    trail = repr(audit_events(site, login="admin", lang="en"))
    assert "argon2" not in trail and "Caiwu-chongzhi-01" not in trail and "Another-pw-2026" not in trail


def test_only_administrators_change_people_and_nobody_disables_himself(site):
    with pytest.raises(NotAllowed):
        people.add_unit(site, by="finance.head", data={"code": "audit", "name": "审计处"})
    with pytest.raises(NotAllowed):
        people.set_password(site, by="clerk", login="finance.staff1", password="Caiwu-chongzhi-01")
    with pytest.raises(InputError, match="yourself"):
        people.disable(site, by="admin", login="admin")
    with pytest.raises(InputError, match="taken"):
        people.add_person(site, by="admin", data={"login": "clerk", "name": "重名", "unit": "office"})
