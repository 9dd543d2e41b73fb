"""How the administrator's entries are checked before anything is stored: logins and unit codes, units and roles
by code or by their Chinese names, a staff spreadsheet row by row (every bad row named by number and column), and
where a leaver's tasks go."""
from __future__ import annotations

import pytest

from engine.core.org import Holder, org_from_data
from engine.core.people import check_sheet, clean_person, handover_holder, roles_of
from engine.core.states import InputError

ORG = org_from_data({
    "categories": {"finance": {"zh": "财务助理", "en": "Finance assistant"}},
    "units": {"office": {"zh": "办公室", "en": "Office"}, "finance": {"zh": "财务部", "en": "Finance"}},
    "people": [{"login": "finance.zhao", "name": "赵处长", "unit": "finance", "roles": ["unit_head"]},
               {"login": "finance.sun", "name": "孙出纳", "unit": "finance", "roles": ["staff"]}]})
HEADER = ["登录名", "姓名", "单位", "角色", "类别", "邮箱", "手机"]


def test_a_new_person_named_by_the_chinese_names_of_unit_roles_and_category():
    p = clean_person(ORG, {"login": "finance.qian", "name": " 钱会计 ", "unit": "财务部", "roles": "科员、督办员",
                           "category": "财务助理", "phone": "138 0000 0002"}, new=True)
    assert p["unit"] == "finance" and p["roles"] == ["staff", "clerk"] and p["category"] == "finance"
    assert p["name"] == "钱会计" and p["email"] is None


@pytest.mark.parametrize("data, field, words", [
    ({"login": "Qian", "name": "钱", "unit": "finance"}, "login", "小写字母开头"),
    ({"login": "q" * 65, "name": "钱", "unit": "finance"}, "login", "2–64"),
    ({"login": "finance.qian", "name": "", "unit": "finance"}, "name", "请填写姓名"),
    ({"login": "finance.qian", "name": "钱" * 65, "unit": "finance"}, "name", "最多 64"),
    ({"login": "finance.qian", "name": "钱", "unit": "审计处"}, "unit", "没有单位“审计处”"),
    ({"login": "finance.qian", "name": "钱", "unit": "finance", "roles": ["boss"]}, "roles", "没有角色“boss”"),
    ({"login": "finance.qian", "name": "钱", "unit": "finance", "email": "qian@"}, "email", "邮箱格式"),
])
def test_each_bad_entry_is_refused_naming_its_field(data, field, words):
    with pytest.raises(InputError) as e:
        clean_person(ORG, data, new=True)
    assert e.value.field == field and words in e.value.zh and e.value.en


def test_an_edit_checks_only_what_it_changes():
    assert clean_person(ORG, {"unit": "office"}, new=False) == {"unit": "office"}
    assert clean_person(ORG, {"active": False}, new=False) == {"active": False}


def test_roles_are_separated_by_either_comma_or_the_chinese_enumeration_mark():
    assert roles_of("部门负责人,staff，clerk、科员") == ["unit_head", "staff", "clerk"]
    with pytest.raises(InputError):
        roles_of(" 、 ")


def test_a_sheet_with_two_bad_rows_names_both_and_accepts_nobody():
    rows = [(2, ["finance.qian", "钱会计", "财务部", "科员", "", "", ""]),
            (3, ["finance.li", "", "财务部", "科员", "", "", ""]),
            (4, ["finance.zhou", "周会计", "审计处", "会计", "", "", ""]),
            (5, ["", "", "", "", "", "", ""])]  # an empty line is skipped
    checked = check_sheet(ORG, HEADER, rows, taken={"finance.zhao"})
    assert [(p.row, p.column) for p in checked.problems] == [(3, "姓名"), (4, "单位"), (4, "角色")]
    assert checked.problems[1].zh == "没有单位“审计处”" and checked.problems[1].en == "no unit '审计处'"


def test_a_login_taken_already_or_twice_in_the_sheet_is_named():
    rows = [(2, ["finance.zhao", "赵", "finance", "staff"]), (3, ["finance.li", "李", "finance", "staff"]),
            (4, ["finance.li", "李二", "finance", "staff"])]
    checked = check_sheet(ORG, HEADER[:4], rows, taken={"finance.zhao"})
    assert [(p.row, p.column, p.en) for p in checked.problems] == [
        (2, "登录名", "the login 'finance.zhao' is taken"), (4, "登录名", "the login 'finance.li' repeats row 3")]


def test_a_sheet_without_the_required_columns_says_which():
    checked = check_sheet(ORG, ["登录名", "姓名"], [(2, ["a.b", "x"])], taken=set())
    assert [p.column for p in checked.problems] == ["单位", "角色"]


def test_a_leavers_tasks_go_to_the_successor_or_back_to_the_unit():
    assert handover_holder(ORG, "finance.qian", "finance.sun", "finance") == Holder(person="finance.sun")
    assert handover_holder(ORG, "finance.qian", None, "finance") == Holder(unit="finance")
    with pytest.raises(InputError, match="no active person"):
        handover_holder(ORG, "finance.qian", "finance.gone", "finance")
    with pytest.raises(InputError, match="cannot be the person"):
        handover_holder(ORG, "finance.sun", "finance.sun", "finance")
