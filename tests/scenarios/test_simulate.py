"""`duban simulate`: the office rehearses a definition before deploying it — across the Spring Festival, with the
subject values its rules read, and with timeouts that hand a task on or send it back."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.cli.simulate import simulate_text
from engine.core.states import InputError
from engine.parser.loader import definitions_dir

DIRECTIVE = str(definitions_dir() / "directive.yaml")

URGENT_BRANCH = """\
id: urgent_notice
version: 1
title: {zh: 紧急通知, en: Urgent notice}
serial: {prefix: 通}
fields:
  title: {type: text, required: true}
  urgency: {type: enum, values: [normal, urgent], default: normal}
start: register
steps:
  register:
    kind: task
    title: {zh: 登记, en: Register}
    actor: role:clerk
    deadline: 1 working day
    next:
      - to: leader_reads
        when: subject.urgency == "urgent"
      - to: done
  leader_reads:
    kind: task
    title: {zh: 领导阅示, en: The leader reads it}
    actor: role:leader
    deadline: 1 working day
    next: done
  done:
    kind: end
    title: {zh: 完成, en: Done}
"""


def with_timeout(tmp_path: Path, timeout: str) -> str:
    text = Path(DIRECTIVE).read_text(encoding="utf-8").replace("version: 2", "version: 3")
    path = tmp_path / "directive.yaml"
    path.write_text(text + f"    on_timeout: {timeout}\n", encoding="utf-8")
    return str(path)


def test_a_directive_due_before_the_spring_festival_is_rehearsed_across_the_break():
    out = simulate_text(DIRECTIVE, scenario="late", start="2026-02-09T09:00", due="2026-02-13",
                        subject=["priority=urgent"])
    assert out.splitlines()[0].endswith("due 2026-02-13; priority=urgent")
    assert "李主任交办：主办 人力资源部，协办 无，时限 2026-02-13" in out
    assert "2026-02-13 18:00  人力资源部：到期通知" in out
    # Sat 14 Feb is a make-up working day: the first chase at its close; none during the break (15th–23rd)
    assert "2026-02-14 18:00  人力资源部：系统催办（第 1 次，超期 1 个工作日）" in out
    assert not any(f"2026-02-{d}" in out for d in range(15, 24))
    assert "2026-02-24 18:00  人力资源部：系统催办（第 2 次，超期 2 个工作日）" in out
    assert "2026-02-25 18:00  人力资源部：超期 3 个工作日，亮黄牌，升级至办公室主任" in out


def test_the_subject_values_decide_which_way_the_rules_go(tmp_path):
    path = tmp_path / "urgent_notice.yaml"
    path.write_text(URGENT_BRANCH, encoding="utf-8")
    assert "进入领导阅示" in simulate_text(str(path), start="2026-03-02T09:00", subject=["urgency=urgent"])
    assert "进入领导阅示" in simulate_text(str(path), start="2026-03-02T09:00",
                                       subject_json=json.dumps({"urgency": "urgent", "title": "防汛紧急通知"}))
    assert "进入领导阅示" not in simulate_text(str(path), start="2026-03-02T09:00", subject=["urgency=normal"])


@pytest.mark.parametrize("options, field, words", [
    ({"subject": ["rank=flagged"]}, "rank", "is not a field of 'Leadership directive'"),
    ({"subject": ["level=top"]}, "level", "must be one of normal, key, flagged"),
    ({"subject": ["priority=flagged"]}, "priority", "must be one of normal, urgent"),
    ({"subject": ["priority"]}, "--subject", "write FIELD=VALUE"),
    ({"subject_json": "[1, 2]"}, "--subject-json", "must be a JSON object"),
    ({"subject_json": "{not json"}, "--subject-json", "not valid JSON"),
    ({"subject_json": " " * 64_001}, "--subject-json", "at most 64000 characters"),
    ({"due": "2026-02-30"}, "--due", "a date is written YYYY-MM-DD"),
    ({"due": "2026-02-06"}, "--due", "cannot be before the rehearsal starts (2026-02-09)"),
])
def test_a_rehearsal_with_a_wrong_value_is_refused_naming_it(options, field, words):
    with pytest.raises(InputError) as refused:
        simulate_text(DIRECTIVE, start="2026-02-09T09:00", **options)
    assert refused.value.field == field
    assert words in refused.value.message("en")


def test_the_command_line_refuses_a_wrong_value_with_exit_2(capsys):
    assert main(["simulate", DIRECTIVE, "--subject", "priority=flagged"]) == 2
    assert "priority: 取值应为 normal, urgent 之一" in capsys.readouterr().err


@pytest.mark.parametrize("timeout, words", [
    ("{after_overdue: 2 working days, action: reassign, to: role:office_director}", "超时未办结，改由办公室主任办理"),
    ("{after_overdue: 2 working days, action: return}", "超时未办结，退回发起环节"),
    ("{after_overdue: 1 working day, action: notify}", "已通知发起人"),
])
def test_a_late_rehearsal_runs_through_a_timeout_to_the_end(tmp_path, capsys, timeout, words):
    path = with_timeout(tmp_path, timeout)
    assert main(["simulate", path, "--scenario", "late", "--start", "2026-03-02T09:00"]) == 0
    out = capsys.readouterr().out
    assert words in out
    assert "流程结束：销号" in out


def test_after_a_timeout_hands_the_task_on_its_old_holder_is_chased_no_more(tmp_path):
    out = simulate_text(with_timeout(tmp_path, "{after_overdue: 2 working days, action: reassign, "
                                               "to: role:office_director}"),
                        scenario="late", start="2026-03-02T09:00", due="2026-03-13")
    lines = out.splitlines()
    handed = next(i for i, line in enumerate(lines) if "改由办公室主任办理" in line)
    assert any("人力资源部：系统催办" in line for line in lines[:handed])
    assert not any("人力资源部：" in line for line in lines[handed + 1:])
    assert any("办公室主任：系统催办" in line or "办公室主任：超期" in line for line in lines[handed + 1:])
