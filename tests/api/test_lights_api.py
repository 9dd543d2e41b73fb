"""Levels and lights over HTTP: the item and 我的待办 carry the light with its reason, the summary counts lights
by unit and level, and the board's filters take `level` and `light` (bounded to their values)."""
from __future__ import annotations


def test_the_item_and_my_tasks_carry_the_light_with_its_reason(api):
    soon = api.directive_at_handle(title="客户服务满意度提升", lead_unit="service", co_units=[], due="2026-03-04")
    later = api.directive_at_handle(title="落实安全生产大检查", lead_unit="service", co_units=[], due="2026-03-27",
                                    level="flagged")
    item = api.ok("GET", f"/instances/{soon}", "leader")
    assert item["level"] == "normal"
    assert item["light"] == {"light": "yellow", "label": {"zh": "黄灯", "en": "Yellow"},
                             "reason": {"zh": "距办理时限还有 2 个工作日", "en": "due in 2 working days"},
                             "reason_code": "due_soon"}
    assert api.ok("GET", f"/instances/{later}", "leader")["light"]["light"] == "green"
    tasks = api.ok("GET", "/me/tasks", "service.head")
    lights = {t["instance_id"]: t["light"]["light"] for t in (tasks["tasks"] if isinstance(tasks, dict) else tasks)}
    assert lights == {soon: "yellow", later: "green"}


def test_the_summary_counts_lights_and_filters_by_level_and_light(api):
    api.directive_at_handle(title="客户服务满意度提升", lead_unit="service", co_units=[], due="2026-03-04")
    api.directive_at_handle(title="落实安全生产大检查", lead_unit="finance", co_units=[], due="2026-03-27",
                            level="flagged")
    s = api.ok("GET", "/supervision/summary", "leader")
    assert s["lights"]["total"] == {"green": 1, "yellow": 1, "red": 0}
    by_level = {lv["level"]: (lv["green"], lv["yellow"], lv["red"]) for lv in s["lights"]["by_level"]}
    assert by_level == {"normal": (0, 1, 0), "key": (0, 0, 0), "flagged": (1, 0, 0)}
    assert api.ok("GET", "/supervision/summary?level=flagged", "leader")["counts"]["running"] == 1
    assert api.ok("GET", "/supervision/summary?light=yellow", "leader")["counts"]["running"] == 1
    assert api.ok("GET", "/supervision/summary?light=red", "leader")["counts"]["running"] == 0
    bad = api.get("/supervision/summary?light=purple", "leader")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["fields"] == ["light"]
    csv_text = api.get("/supervision/ledger.csv?level=normal", "clerk").content.decode("utf-8-sig")
    assert "亮灯" in csv_text.splitlines()[0] and "黄灯（距办理时限还有 2 个工作日）" in csv_text
    assert "落实安全生产大检查" not in csv_text
