"""`duban simulate` shows milestones (节点) and the Friday report prompts (定期反馈) of the shipped directive."""
from __future__ import annotations

import json

from engine.cli.simulate import simulate_text
from engine.parser.loader import definitions_dir

DIRECTIVE = str(definitions_dir() / "directive.yaml")


def test_a_rehearsal_shows_a_milestone_chased_and_the_holiday_friday_report():
    ms = [{"title": "摸底调查", "due": "2026-05-08"}]
    out = simulate_text(DIRECTIVE, scenario="late", start="2026-04-27T09:00", due="2026-05-20",
                        subject_json=json.dumps({"milestones": ms}, ensure_ascii=False))
    lines = out.splitlines()
    assert "2026-05-06 09:00  人力资源部：节点“摸底调查”将于 2026-05-08 到期" in lines[1:] or \
        any("节点“摸底调查”将于 2026-05-08 到期" in x for x in lines)
    # Fri 1 May is Labour Day: the report falls on Wed 6 May, prompted at the opening of office, missed at its close
    assert "  2026-05-06 09:00  人力资源部：定期反馈：请于 2026-05-06 下班前反馈进展" in lines
    assert "  2026-05-06 18:00  人力资源部：未按期反馈（2026-05-06），请尽快反馈进展" in lines
    assert any(x.startswith("  2026-05-11 18:00") and "节点“摸底调查”逾期未完成（第 2 次催办" in x for x in lines)
    assert not any("2026-05-01" in x and "定期反馈" in x for x in lines)
