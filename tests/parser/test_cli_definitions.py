"""The installed `duban` command on definitions: validate, schema, diagram; and diagram highlighting."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.core import dsl
from engine.parser import kinds, loader
from engine.reads.diagram import chase_text, mermaid

ROOT = Path(__file__).resolve().parents[2]
DUBAN = shutil.which("duban") or str(Path(sys.executable).parent / "duban")


def duban(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return subprocess.run([DUBAN, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def test_validate_the_shipped_definitions():
    r = duban("validate", "definitions/")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK" in r.stdout


@pytest.mark.parametrize("name, line, words", [
    ("08_unknown_role.yaml", 13, "unknown role 'boss'"),
    ("28_invalid_yaml_indentation.yaml", 13, "not valid YAML"),
])
def test_validate_a_broken_definition(name, line, words):
    r = duban("validate", f"tests/parser/broken/{name}")
    assert r.returncode != 0
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"tests/parser/broken/{name}:{line}: ")
    assert words in first


def test_validate_several_paths_reports_each_file():
    r = duban("validate", "definitions/directive.yaml", "tests/parser/broken/02_transition_to_missing_step.yaml",
              "tests/parser/broken/16_unknown_key_in_step.yaml")
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "tests/parser/broken/02_transition_to_missing_step.yaml:14: step 'register' goes to 'finish', which does not exist",
        "tests/parser/broken/16_unknown_key_in_step.yaml:14: unknown key 'nxt' (did you mean 'next'?)",
    ]


def test_schema_names_the_step_kinds():
    r = duban("schema")
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    defs = schema["$defs"]
    for model in ("TaskStep", "AssignStep", "CoHandleStep", "TransferStep", "ChaseStep", "ReviewStep",
                  "AutoStep", "EndStep", "FieldDef", "Label"):
        assert model in defs
    kinds = {defs[m]["properties"]["kind"]["const"] for m in defs if "kind" in defs[m].get("properties", {})}
    assert kinds == set(dsl.STEP_KINDS)


def test_diagram_in_chinese():
    r = duban("diagram", "definitions/directive.yaml")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("flowchart TD")
    for title in ("立项", "交办", "承办", "审核", "销号", "催办"):
        assert title in out
    assert 'close(["销号' in out  # an end step is a stadium
    assert 'verify -->|"退回"| handle' in out  # the review's reject edge
    assert "supervise -.-> handle" in out  # the chase note, dotted to the step it supervises
    assert "提醒 2 个工作日前" in out and "逾期每 1 个工作日催办" in out
    assert "3 个工作日黄牌" in out and "5 个工作日红牌" in out
    assert "class supervise_flagged,supervise chase" in out  # both chase rule sets: 挂牌督办 and the rest
    assert "适用：subject.level == 'flagged'" in out and "此后每 1 个工作日提醒" in out


def test_diagram_in_english():
    r = duban("diagram", "definitions/incoming_document.yaml", "--lang", "en")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("flowchart TD")
    for title in ("Register", "Propose handling", "Leader's instruction", "Dispatch", "Handle", "Archived"):
        assert title in out
    assert "登记" not in out
    assert 'instruct -->|"Agree"| dispatch' in out and 'instruct -->|"Propose again"| propose' in out
    assert "remind 1 working day before" in out and "red card after 5 working days overdue" in out


def test_diagram_of_a_broken_definition_fails_with_the_problem():
    r = duban("diagram", "tests/parser/broken/08_unknown_role.yaml")
    assert r.returncode != 0
    assert "tests/parser/broken/08_unknown_role.yaml:13: unknown role 'boss'" in r.stderr


def test_diagram_highlights_the_current_step():
    defn, _ = loader.shipped()["directive"]
    plain = mermaid(defn)
    assert "classDef current" in plain
    assert "class handle current" not in plain
    lit = mermaid(defn, current="handle")
    assert lit.count(" current") == 2  # the classDef and the one step it is given to
    assert "class handle current" in lit
    assert mermaid(defn, lang="en", current="verify").count("class verify current") == 1


def test_diagram_escapes_conditions_and_reserved_ids():
    text = """\
id: escaping
version: 1
title: {zh: 转义, en: Escaping}
serial: {prefix: 测}
fields:
  title: {type: text, required: true}
  priority: {type: enum, values: [normal, urgent]}
start: register
steps:
  register:
    kind: task
    title: {zh: "登记 \\"新\\" [件]", en: Register}
    actor: role:clerk
    next:
      - {to: end, when: 'subject.priority == "urgent" or len(subject.title) > 3'}
      - {to: end}
  end:
    kind: end
    title: {zh: 完成, en: Done}
"""
    out = mermaid(loader.parse_definition(text, "escaping.yaml"))
    assert 'register["登记 #quot;新#quot; [件]<br/>(任务)"]' in out
    assert 'register -->|"subject.priority == #quot;urgent#quot; or len(subject.title) #gt; 3"| END' in out
    assert 'END(["完成<br/>(结束)"])' in out  # `end` is a Mermaid keyword: the id is written in capitals
    body = [line for line in out.splitlines() if "|" in line]
    assert all(line.count('"') == 2 for line in body)


def test_chase_text_in_both_languages():
    defn, _ = loader.shipped()["directive"]
    chase = defn.steps["supervise"]
    assert chase_text(chase) == ("提醒 2 个工作日前 / 到期提醒 / 逾期每 1 个工作日催办 / "
                                 "3 个工作日黄牌 / 5 个工作日红牌 / 每周五反馈")
    assert chase_text(chase, "en").startswith("remind 2 working days before / remind at due / chase every")


def test_validate_every_file_of_the_shipped_folder(tmp_path):
    # what the shell makes of `duban validate definitions/*.yaml`: the organisation and the calendar included
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "definitions").glob("*.yaml"))
    assert "definitions/org.demo.yaml" in files and "definitions/calendar.yaml" in files
    r = duban("validate", *files, *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "definitions/schemes").glob("*.yaml")))
    assert r.returncode == 0, r.stdout + r.stderr
    notes = tmp_path / "notes.yaml"
    notes.write_text("shopping: [milk, eggs]\n", encoding="utf-8")
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title: 督办\n".encode("gbk"))
    r = duban("validate", "definitions/calendar.yaml", str(notes), str(gbk))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stdout.splitlines() == [f"{notes}:1: {kinds.NONE_OF_THEM}",
                                     f"{gbk}:1: the file is not UTF-8 text (byte 0xb6 at offset 7); save it as UTF-8"]
