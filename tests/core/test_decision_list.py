"""A supervision list's rows as subjects (engine.core.decision_list), pure: 督办级别 is accepted where the definition
has the field `level` (挂牌督办 → flagged), refused by row and column where it has not."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from engine.core.org import Org, Person, Unit
from engine.core.decision_list import check_list
from engine.parser.definition import parse_definition

TEXT = (Path(__file__).resolve().parents[2] / "definitions" / "directive.yaml").read_text(encoding="utf-8")
LEVEL = '''  level:
    type: enum
    values: [normal, key, flagged]
    label: {zh: 督办级别, en: Supervision level}
    labels: {normal: {zh: 一般, en: Normal}, key: {zh: 重点, en: Key}, flagged: {zh: 挂牌督办, en: Flagged}}
  priority:'''
HEADER = ["事项", "会议要求", "主办单位", "协办单位", "办理时限", "批示领导", "来源", "督办级别"]
ROW = ["落实安全生产大检查", "会议要求三月底前完成。", "财务部", "人力资源部、it", "2026年3月20日", "王局长", "上级交办", "挂牌督办"]


def org() -> Org:
    units = {"finance": Unit("finance", "财务部", "Finance"), "hr": Unit("hr", "人力资源部", "HR"),
             "it": Unit("it", "信息技术部", "IT")}
    people = {"leader": Person("leader", "王局长", "finance", frozenset({"leader"}))}
    return Org(units=units, people=people)


def _without_level(text: str) -> str:
    """The shipped directive with its `level` field (and the chase rules that read it) taken out."""
    lines, out, skip = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith("  level:"):
            skip = True
            continue
        if skip and line.startswith("    "):
            continue
        skip = False
        out.append(line)
    return "".join(out)


def test_the_level_column_fills_the_level_field_where_there_is_one():
    defn = parse_definition(TEXT, "directive.yaml")  # the shipped directive has `level` (督办级别)
    out = check_list(defn, org(), HEADER, [(2, ROW)], date(2026, 3, 2))
    assert out.problems == []
    [(row, subject)] = out.subjects
    assert (row, subject["level"], subject["source"], subject["leader"]) == (2, "flagged", "superior", "leader")
    assert subject["co_units"] == ["hr", "it"] and subject["due"] == date(2026, 3, 20)


def test_a_level_where_the_definition_has_none_is_named_by_row_and_column():
    defn = parse_definition(_without_level(TEXT), "directive.yaml")
    out = check_list(defn, org(), HEADER, [(2, ROW), (3, ROW[:7] + [""])], date(2026, 3, 2))
    assert [(p.row, p.column) for p in out.problems] == [(2, "督办级别")]
    assert [n for n, _ in out.subjects] == [3]
