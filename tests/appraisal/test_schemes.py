"""Schemes (考核方案) are checked at load: weights total 100, formulas use known metrics, bands descend to 0 —
each problem with its file and line; the shipped schemes cover every role category of the seeds."""
from __future__ import annotations

import shutil

import pytest
import yaml

from engine.appraisal.schemes import load_dir, parse_scheme, schemes_dir
from engine.core.states import DefinitionError

SEED_DIMENSIONS = {"任务完成情况", "团队合作能力", "主动性和创新能力", "沟通能力", "自我管理能力", "专业知识与技能",
                   "文件管理", "日程安排和会议管理", "项目协调和管理", "客户关系管理", "跨部门协作"}


def test_a_scheme_whose_weights_total_99_is_refused_with_its_file_and_line(tmp_path):
    text = (schemes_dir() / "finance_assistant.yaml").read_text(encoding="utf-8")
    broken = text.replace("    weight: 5\n", "    weight: 4\n")
    assert broken != text
    path = tmp_path / "finance_assistant.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_dir(tmp_path)
    line = next(i for i, x in enumerate(broken.splitlines(), 1) if x.startswith("dimensions:"))
    assert refused.value.problems == [
        f"{path}:{line}: the dimension weights total 99, not 100 (task_completion 30 + self_management 15 + "
        f"cross_department 10 + expertise 20 + teamwork 10 + communication 10 + initiative 4)"]


def test_the_shipped_schemes_cover_the_role_categories_of_the_seeds():
    schemes = load_dir()
    org = yaml.safe_load((schemes_dir().parent / "org.demo.yaml").read_text(encoding="utf-8"))
    assert set(schemes) == set(org["categories"]) == {
        "office_director", "admin_assistant", "hr_assistant", "finance_assistant", "service_assistant", "it_assistant"}
    names = {d.name.zh for s, _, _ in schemes.values() for d in s.dimensions.values()}
    assert names == SEED_DIMENSIONS
    for s, _, _ in schemes.values():
        assert sum(d.weight for d in s.dimensions.values()) == 100
        assert [b.name.zh for b in s.bands] == ["优秀", "良好", "合格", "基本合格", "不合格"]
        assert s.bands[0].quota_share is not None


def test_every_problem_is_named_with_its_line():
    text = """id: broken
category: broken
title: {zh: 坏方案, en: Broken}
raters: {self: 10, supervisor: 70, peer: 20}
dimensions:
  a: {name: {zh: 甲, en: A}, weight: 100, metric: on_time * 100}
  b: {name: {zh: 乙, en: B}, weight: 10, ratings: {scale: {min: 5, max: 1}}}
  c: {name: {zh: 丙, en: C}, weight: 10}
bands:
  - {id: a, name: {zh: 甲, en: A}, min: 50, quota: 120%}
"""
    with pytest.raises(DefinitionError) as refused:
        parse_scheme(text, "broken.yaml")
    assert refused.value.problems == [
        "broken.yaml:4: unknown rater 'peer'; raters are self, supervisor, peers",
        "broken.yaml:6: expression 'on_time * 100' uses unknown name 'on_time'; known: assigned, avg_handling_days, "
        "basically_satisfied, chases, co_handled, completed, completed_lead, completed_on_time, completed_single, "
        "credit, escalations, extensions, extensions_after_due, late, on_time_rate, overdue_open, rated, reports_missed, returns, "
        "satisfaction, transfers_out, unsatisfied",
        "broken.yaml:7: scale: max (1) must be greater than min (5)",
        "broken.yaml:8: a dimension has exactly one source: `metric` (a formula) or `ratings`",
        "broken.yaml:10: quota '120%': write a share such as 20%",
    ]


def test_bands_must_descend_to_zero(tmp_path):
    text = (schemes_dir() / "it_assistant.yaml").read_text(encoding="utf-8").replace("min: 0}", "min: 10}")
    with pytest.raises(DefinitionError) as refused:
        parse_scheme(text, "it.yaml")
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "min: 10}" in x)
    assert refused.value.problems == [f"it.yaml:{line}: the last band must start at 0, so every score has a band"]


def test_the_fingerprint_follows_the_meaning_not_the_layout(tmp_path):
    text = (schemes_dir() / "hr_assistant.yaml").read_text(encoding="utf-8")
    same = parse_scheme("# a comment\n" + text.replace("weight: 25", "weight:   25  # more"), "x.yaml")
    other = parse_scheme(text.replace("- 5 * escalations", "- 3 * escalations"), "y.yaml")
    base = parse_scheme(text, "hr.yaml")
    assert same.fingerprint() == base.fingerprint() != other.fingerprint()


def test_two_schemes_for_one_category_are_refused(tmp_path):
    for name in ("it_assistant.yaml", "hr_assistant.yaml"):
        shutil.copy(schemes_dir() / name, tmp_path / name)
    (tmp_path / "copy.yaml").write_text((schemes_dir() / "it_assistant.yaml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    with pytest.raises(DefinitionError) as refused:
        load_dir(tmp_path)
    assert refused.value.problems == [f"{tmp_path / 'it_assistant.yaml'}:1: a second scheme for category "
                                      f"'it_assistant' (also {tmp_path / 'copy.yaml'})"]
