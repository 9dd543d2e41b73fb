"""The `split` key of a step (任务分解) in the language: the JSON Schema names it and its bound, the diagram marks the
steps that may be split, and a split rule starting its parts at a step that does not exist is refused with a line."""
from __future__ import annotations

import pytest

from engine.core.dsl import Definition
from engine.core.states import DefinitionError
from engine.parser import loader
from engine.parser.loader import shipped
from engine.reads.diagram import mermaid

ONE_STEP = """\
id: small
version: 1
title: {zh: 测试, en: Test}
serial: {prefix: 测}
fields:
  title: {type: text, required: true, label: {zh: 事项, en: Title}}
start: handle
steps:
  handle:
    kind: task
    title: {zh: 办理, en: Handle}
    actor: role:clerk
    split: {start: %s, max_parts: %d}
    next: done
  done: {kind: end, title: {zh: 完成, en: Done}}
"""


def test_the_schema_names_the_split_rule_and_its_bound():
    defs = Definition.model_json_schema()["$defs"]  # what `duban schema` prints
    rule = defs["SplitRule"]["properties"]
    assert set(rule) == {"definition", "start", "complete_before_children", "max_parts"}
    assert rule["max_parts"]["maximum"] == 50 and rule["complete_before_children"]["default"] is False
    for step in ("TaskStep", "AssignStep", "CoHandleStep", "ReviewStep"):
        assert "split" in defs[step]["properties"], step


def test_the_diagram_marks_the_steps_a_lead_may_split():
    defn, _ = shipped()["directive"]
    zh, en = mermaid(defn, "zh"), mermaid(defn, "en")
    assert 'handle["承办<br/>(会办 · 可分解)"]' in zh and 'verify["审核<br/>(审核)"]' in zh
    assert "may split" in en


def test_a_split_rule_starting_nowhere_or_too_wide_is_refused_with_its_line():
    assert loader.parse_definition(ONE_STEP % ("handle", 10), "ok.yaml").steps["handle"].split.max_parts == 10
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(ONE_STEP % ("nowhere", 10), "bad.yaml")
    assert caught.value.problems[0].startswith("bad.yaml:13:") and "'nowhere'" in caught.value.problems[0]
    with pytest.raises(DefinitionError) as caught:
        loader.parse_definition(ONE_STEP % ("handle", 51), "wide.yaml")
    assert "wide.yaml:13:" in caught.value.problems[0]
