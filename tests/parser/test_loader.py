"""The loader on the broken-definition corpus (exact file:line: message), the shipped definitions, duplicate
ids across files, the order of reported problems, the guards (size, depth, values: a message fast, never a
traceback), and `validate` on every kind of file in definitions/."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from engine.parser import kinds, loader
from engine.core.states import DefinitionError

BROKEN = Path(__file__).parent / "broken"

# file -> (line of the offending key or value, words the message must contain)
EXPECTED = {
    "01_unknown_step_kind.yaml": (11, "unknown step kind 'approve'"),
    "02_transition_to_missing_step.yaml": (14, "step 'register' goes to 'finish', which does not exist"),
    "03_unreachable_step.yaml": (15, "step 'review' is unreachable from the start step 'register'"),
    "04_no_path_to_end.yaml": (17, "step 'follow_up' has no path to an end step"),
    "05_no_end_step.yaml": (9, "the definition has no `end` step"),
    "06_duplicate_step_id.yaml": (15, "duplicate key 'register' (first at line 10)"),
    "07_duplicate_field_key.yaml": (9, "duplicate key 'title' (first at line 7)"),
    "08_unknown_role.yaml": (13, "unknown role 'boss'"),
    "09_bad_duration.yaml": (14, "bad duration '3 fortnights'"),
    "10_deadline_not_a_date_field.yaml": (15, "deadline 'subject.title' is not a date or date-time field"),
    "11_version_not_a_number.yaml": (3, "'version' should be a whole number, got 'two'"),
    "12_required_not_boolean.yaml": (10, "'required' should be true or false, got 'maybe'"),
    "13_enum_without_values.yaml": (8, "an enum field needs `values`"),
    "14_enum_default_not_in_values.yaml": (11, "default 'high' does not fit the enum field: must be one of normal"),
    "15_date_default_wrong_type.yaml": (10, "default 'next friday' does not fit the date field"),
    "16_unknown_key_in_step.yaml": (14, "unknown key 'nxt' (did you mean 'next'?)"),
    "17_missing_title.yaml": (2, "the definition needs `title`"),
    "18_missing_start.yaml": (2, "the definition needs `start`"),
    "19_start_step_missing.yaml": (8, "start step 'begin' does not exist"),
    "20_start_is_end_step.yaml": (8, "the start step 'done' cannot be an end step"),
    "21_chase_attached_to_missing_step.yaml": (24, "chase step 'supervise' attaches to 'handle'"),
    "22_transition_to_chase_step.yaml": (17, "step 'register' goes to chase step 'supervise'"),
    "23_bad_when_syntax.yaml": (17, "expression 'subject.priority == = \"urgent\"' does not parse"),
    "24_when_unknown_name.yaml": (17, "uses unknown name 'priority'"),
    "25_actor_not_understood.yaml": (13, "actor 'clerk' is not understood"),
    "26_assign_without_actor.yaml": (15, "step 'assign' (assign) needs an `actor`"),
    "27_review_without_reject_to.yaml": (15, "step 'verify' (review) needs `reject_to`"),
    "28_invalid_yaml_indentation.yaml": (13, "not valid YAML (check the indentation)"),
    "29_empty_file.yaml": (1, "the file is empty"),
    "30_quorum_zero.yaml": (19, "'quorum' should be at least 1, got 0"),
    "31_unknown_action_in_allow.yaml": (14, "unknown action 'escalate'"),
    "32_title_field_missing.yaml": (8, "the subject needs a field 'name' for the item's title"),
    "33_unknown_field_type.yaml": (8, "'type': should be 'text', 'long_text'"),
    "34_bad_definition_id.yaml": (2, "id 'Leader-Directive' must be lower-case letters, digits and _"),
    "35_step_without_next.yaml": (17, "step 'check' has no `next` and no `outcomes`"),
    "36_unknown_card_colour.yaml": (26, "'card': should be 'yellow' or 'red', got 'orange'"),
    "37_deadline_without_time_zone.yaml": (14, "needs a time zone"),
    "38_reject_to_missing_step.yaml": (19, "step 'verify' goes to 'regster', which does not exist"),
    "39_lead_field_not_a_unit.yaml": (14, "field 'lead_unit' is text, not a unit or a person"),
    "40_unknown_top_level_key.yaml": (6, "unknown key 'feilds' (did you mean 'fields'?)"),
    "41_unknown_join_rule.yaml": (18, "'join': should be 'all' or 'any', got 'most'"),
    "42_not_a_mapping.yaml": (2, "a definition is a mapping with id, version, title, steps"),
    "43_step_without_kind.yaml": (10, "step 'register' has no `kind`"),
    "44_unclosed_bracket.yaml": (12, "the { opened here is not closed"),
    "45_enum_values_on_a_date.yaml": (10, "`values` only belongs to enum fields, not date"),
    "46_not_utf8.yaml": (4, "the file is not UTF-8 text"),
    "47_mapping_as_key.yaml": (19, "a key must be plain text, not a mapping"),
    "48_step_id_yes.yaml": (19, "the key 'yes' is read by YAML as True; quote it"),
    "49_deadline_too_long.yaml": (14, "1000000000000 working days is too long: at most 3660 days"),
    "50_deep_nesting.yaml": (19, "nested more than 64 levels deep"),
    "51_when_appends_to_a_list.yaml": (17, "method call .append() is not allowed: expressions only read values"),
    "52_when_clears_the_subject.yaml": (17, "method call .clear() is not allowed"),
    "53_when_reaches_a_dunder.yaml": (17, "attribute '__class__' is not allowed"),
    "54_timeout_without_a_clock.yaml": (23, "a timeout needs one of `after_overdue` or `after_unsigned`"),
    "55_compute_calls_a_method.yaml": (18, "method call .clear() is not allowed"),
    "70_report_every_a_fortnight.yaml": (16, "bad report_every '1 fortnight': write '1 week', '2 weeks' or '1 month'"),
    "71_weekly_report_on_a_day_of_month.yaml": (16, "bad report_on 25: a weekly report falls on a weekday: mon"),
    "72_report_on_without_report_every.yaml": (16, "`report_every` and `report_on` go together"),
    "73_monthly_report_on_day_40.yaml": (16, "bad report_on 40: a monthly report falls on a day of the month, 1 to 31"),
}


def test_the_corpus_is_complete():
    files = sorted(p.name for p in BROKEN.iterdir() if p.is_file())
    assert len(files) >= 20
    assert [f for f in files if f not in EXPECTED] == [], "every broken file needs a row in EXPECTED"
    assert [f for f in EXPECTED if f not in files] == [], "EXPECTED names a file that is not in tests/parser/broken"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_definition(name):
    line, words = EXPECTED[name]
    path = BROKEN / name
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(path.read_bytes(), f"broken/{name}")
    problems = caught.value.problems
    assert len(problems) == 1, f"one problem per file, got: {problems}"
    prefix = f"broken/{name}:{line}: "
    assert problems[0].startswith(prefix), f"expected line {line}: {problems[0]}"
    assert words in problems[0][len(prefix):]


def test_validate_paths_reports_the_corpus_with_file_names():
    problems = kinds.validate_paths([BROKEN])
    assert len(problems) == len(EXPECTED)
    for name, (line, words) in EXPECTED.items():
        assert any(p.startswith(f"{BROKEN / name}:{line}: ") and words in p for p in problems), name


def test_shipped_definitions_load_clean():
    shipped = loader.shipped()
    assert {"directive", "incoming_document"} <= set(shipped)
    assert kinds.validate_paths([loader.definitions_dir()]) == []
    for defn, text in shipped.values():
        assert loader.parse_definition(text, defn.id) == defn


def test_duplicate_definition_ids_across_files(tmp_path):
    first, second = tmp_path / "a_directive.yaml", tmp_path / "b_directive_copy.yaml"
    shutil.copy(loader.definitions_dir() / "directive.yaml", first)
    shutil.copy(loader.definitions_dir() / "directive.yaml", second)
    problems = kinds.validate_paths([tmp_path])
    assert problems == [f"{second}:1: duplicate definition id 'directive' (also in {first})"]


def test_problems_come_sorted_by_line():
    text = """\
id: several
version: 1
title: {zh: 测试, en: Test}
serial: {prefix: 测}
fields:
  title: {type: text, required: true}
start: register
steps:
  register:
    kind: task
    title: {zh: 登记, en: Register}
    actor: role:boss
    deadline: subject.title
    next: verify
  verify:
    kind: review
    title: {zh: 审核, en: Verify}
    actor: clerk
    reject_to: register
    next: done
  done:
    kind: end
    title: {zh: 完成, en: Done}
  supervise:
    kind: chase
    title: {zh: 催办, en: Chase}
    attach_to: [handle]
"""
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(text, "several.yaml")
    problems = caught.value.problems
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == [12, 13, 18, 27]
    assert lines == sorted(lines)
    assert "unknown role 'boss'" in problems[0]
    assert "attaches to 'handle'" in problems[-1]


def test_pydantic_problems_come_sorted_by_line_too():
    text = """\
id: Bad
version: zero
title: {zh: 测试, en: Test}
serial: {prefix: 测}
start: register
steps:
  register: {kind: task, title: {zh: 登记, en: Register}, actor: role:clerk, nxt: done}
  done: {kind: end, title: {zh: 完成, en: Done}}
"""
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(text, "x.yaml")
    lines = [int(p.split(":")[1]) for p in caught.value.problems]
    assert lines == sorted(lines) and lines[0] == 1 and lines[-1] == 7


def test_yaml_aliases_that_loop_or_explode_are_refused_with_a_line():
    from engine.parser.loader import parse_definition
    from engine.core.states import DefinitionError

    with pytest.raises(DefinitionError) as loop:
        parse_definition("id: x\nsteps: &s\n  a: *s\n", "loop.yaml")
    assert loop.value.problems == ["loop.yaml:2: the document refers to itself through a YAML alias"]
    bomb = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{n}: &{n} [{','.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef"))
    with pytest.raises(DefinitionError) as big:
        parse_definition(bomb, "bomb.yaml")
    assert "expands beyond 100,000 values" in big.value.problems[0]


def head(steps: str) -> str:
    return ("id: big\nversion: 1\ntitle: {zh: 测试, en: Test}\nserial: {prefix: 测}\nfields:\n"
            "  title: {type: text, required: true}\nstart: s0\nsteps:\n" + steps)


@pytest.mark.parametrize("what, text, words", [
    ("50,000 steps", head("".join(f"  s{i}: {{kind: end, title: {{zh: 结束, en: End}}}}\n" for i in range(50_000))),
     "a Duban file may be at most"),
    ("50,000 short steps", head("".join(f"  s{i}: {{kind: end}}\n" for i in range(50_000))), "at most"),
    ("4,900 steps under the size limit", head("".join(f"  s{i}: {{kind: end}}\n" for i in range(4_900))),
     "4,900 steps; a definition may have at most 500"),
    ("20,000 values", head("  s0: {kind: end, title: {zh: a, en: a}, x: [" + ", ".join(["word"] * 20_000) + "]}\n"),
     "more than 20,000 values"),
    ("2,000-deep nesting", head("  s0: " + "[" * 2000 + "]" * 2000 + "\n"), "nested more than 64 levels deep"),
    ("600-deep block nesting", head("".join("  " * (i + 1) + f"k{i}:\n" for i in range(600))), "nested more"),
])
def test_huge_files_get_a_message_fast(what, text, words):
    # the work is bounded: this process's CPU seconds, not the wall clock a busy machine stretches
    started = time.process_time()
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(text.encode("utf-8"), "big.yaml")
    assert time.process_time() - started < 3, what
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith("big.yaml:")
    assert words in caught.value.problems[0]


def test_quoted_yes_is_a_fine_step_id_and_dates_stay_dates():
    text = head("  s0: {kind: task, title: {zh: a, en: a}, actor: role:clerk, next: 'yes'}\n"
                "  'yes': {kind: end, title: {zh: 是, en: Agreed}}\n")
    assert set(loader.parse_definition(text, "ok.yaml").steps) == {"s0", "yes"}


def test_the_shipped_folder_validates_file_by_file():
    folder = loader.definitions_dir()
    files = sorted(folder.glob("*.yaml")) + sorted((folder / "schemes").glob("*.yaml"))
    assert {"org.demo.yaml", "calendar.yaml", "directive.yaml"} <= {p.name for p in files}
    assert kinds.validate_paths(files) == []
    kinds_seen = {p.name: kinds.check_file(p, p.read_bytes())[0] for p in files}
    assert kinds_seen["org.demo.yaml"] == "org" and kinds_seen["calendar.yaml"] == "calendar"
    assert kinds_seen["directive.yaml"] == "definition" and kinds_seen["admin_assistant.yaml"] == "scheme"


@pytest.mark.parametrize("name, text, where, words", [
    ("org.yaml", "units:\n  hr: {zh: 人事, en: HR}\npeople:\n  - {login: a, name: A, unit: hr, roles: [boss]}\n",
     4, "unknown role 'boss'"),
    ("org.yaml", "units:\n  hr: {zh: 人事, en: HR}\npeople:\n  - {login: a, name: A, unit: it}\n", 4,
     "a: unknown unit 'it'"),
    ("org.yaml", "units:\n  hr: {zh: 人事, en: HR}\npeople:\n  - {login: a, name: A, unit: hr}\n"
     "  - {login: a, name: B, unit: hr}\n", 5, "login 'a' is listed twice (first on line 4)"),
    ("site.yaml", "kind: calendar\noverrides:\n  - {date: 2027-02-30, working: false}\n", 3, "is not YYYY-MM-DD"),
    ("calendar.yaml", "years:\n  2027: partly\n", 2, "write `complete` once every statutory holiday"),
    ("x.yaml", "id: s\ncategory: it_assistant\ndimensions: {}\nbands: []\n", 1, ""),
    ("notes.yaml", "shopping: [milk, eggs]\n", 1, "is not a Duban file"),
])
def test_each_kind_of_file_is_checked_by_its_own_rules(tmp_path, name, text, where, words):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    problems = kinds.validate_paths([path])
    assert problems and problems[0].startswith(f"{path}:{where}: "), problems
    assert words in problems[0]


def test_kind_names_an_organisation_or_a_calendar_of_any_name(tmp_path):
    path = tmp_path / "people.yaml"
    path.write_text("kind: organisation\nunits: {}\npeople: []\n", encoding="utf-8")
    assert kinds.check_file(path, path.read_bytes())[:1] == ("org",)
    assert kinds.validate_paths([path]) == []
    path.write_text("kind: calendar\n", encoding="utf-8")
    assert kinds.check_file(path, path.read_bytes()) == ("calendar", None, [])
