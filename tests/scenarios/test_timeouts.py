"""When a task is left too long (on_timeout): an unsigned document goes back to the office director, an overdue
task is handed to someone else (and its old holder hears no more about it), the initiator is told, or the task
returns to the sender — on a manual clock."""
from __future__ import annotations

from engine.parser.loader import definitions_dir
from engine.runtime.boot import register_definitions

from tests.scenarios.test_chases import daily, fired, notes
from tests.scenarios.test_incoming_document import receive


def dispatched(office, site, lead="it", co=()):
    """A document registered, proposed, agreed and dispatched on Monday 2 March (due Fri 20 March)."""
    doc = receive(site)
    office.do("clerk", doc, "register", "submit")
    office.do("office", doc, "propose", "assign", lead=lead, co=list(co), due="2026-03-20")
    office.do("leader", doc, "instruct", "agree", opinion="同意拟办意见")
    office.do("clerk", doc, "dispatch", "transfer", lead=lead, co=list(co))
    return doc


def directive_with(site, tmp_path, timeout: str) -> None:
    """The shipped directive, version 2, with one `on_timeout` on its chase step."""
    text = (definitions_dir() / "directive.yaml").read_text(encoding="utf-8").replace("version: 2", "version: 3")
    (tmp_path / "directive.yaml").write_text(text + f"    on_timeout: {timeout}\n", encoding="utf-8")
    register_definitions(site, [tmp_path / "directive.yaml"])


def test_a_document_nobody_signs_for_goes_back_to_the_office_director(office, site, clock):
    doc = dispatched(office, site)  # dispatched Mon 2 March 09:30
    assert fired(site, clock, "2026-03-04 17:59") == []
    # at the close of the second working day the office director gets it back
    assert fired(site, clock, "2026-03-04 18:00") == [("timeout", 0, ["office"])]
    v = office.view(doc)
    assert v["current_step"] == "propose"
    handle = [t for t in v["tasks"] if t["step"] == "handle"]
    assert [t["state"] for t in handle] == ["returned"]
    assert [t["holder"] for t in v["tasks"] if t["step"] == "propose" and t["state"] in ("pending", "active")] \
        == [{"role": "office_director"}]
    assert "timeout" in office.kinds(doc)
    # the office director proposes again; the new lead signs at once and nothing times out
    office.do("office", doc, "propose", "assign", lead="finance", due="2026-03-20")
    office.do("leader", doc, "instruct", "agree")
    office.do("clerk", doc, "dispatch", "transfer", lead="finance")
    office.do("finance.head", doc, "handle", "accept", on="finance")
    assert fired(site, clock, "2026-03-09 18:00") == []  # signed in time: the timeout is void
    assert office.view(doc)["current_step"] == "handle"


def test_a_document_signed_in_time_stays_with_its_unit(office, site, clock):
    doc = dispatched(office, site)
    clock.set(clock.now().replace(hour=15))
    office.do("it.head", doc, "handle", "accept", on="it")
    assert fired(site, clock, "2026-03-04 18:00") == []
    v = office.view(doc)
    assert v["current_step"] == "handle"
    assert [t["state"] for t in v["tasks"] if t["step"] == "handle"] == ["active"]
    assert "timeout" not in office.kinds(doc)


def test_an_overdue_task_reassigned_is_no_longer_chased_at_its_old_holder(office, site, clock, tmp_path):
    directive_with(site, tmp_path, "{after_overdue: 2 working days, action: reassign, to: role:office_director}")
    item = office.issue_directive(co_units=[])  # due Fri 2026-03-20
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23")
    before = len(notes(site, "finance.head"))
    assert fired(site, clock, "2026-03-24 18:00") == [("timeout", 0, ["finance.head", "office"])]
    told = len(notes(site, "finance.head"))
    assert told == before + 1  # the notice that the task went to the office director
    week = daily(site, clock, "2026-03-25", "2026-03-26", "2026-03-27", "2026-03-30", "2026-03-31")
    assert all("finance.head" not in who for day in week.values() for _, _, who in day)
    assert any(("chase", n, ["office"]) in day for day in week.values() for n in range(1, 11))
    assert len(notes(site, "finance.head")) == told
    tasks = office.tasks(item, "handle")
    assert [t["state"] for t in tasks] == ["transferred", "active"]


def test_an_overdue_task_tells_the_initiator(office, site, clock, tmp_path):
    directive_with(site, tmp_path, "{after_overdue: 1 working day, action: notify}")
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    daily(site, clock, "2026-03-18", "2026-03-20")
    assert ("timeout", 0, ["leader"]) in fired(site, clock, "2026-03-23 18:00")
    assert office.view(item)["current_step"] == "handle"  # nothing moves; the leader knows
    assert [t["state"] for t in office.tasks(item, "handle")] == ["pending"]


def test_an_overdue_task_returns_to_the_sender(office, site, clock, tmp_path):
    directive_with(site, tmp_path, "{after_overdue: 2 working days, action: return}")
    item = office.issue_directive(co_units=[])
    office.register_and_assign(item)
    office.do("finance.head", item, "handle", "accept", on="finance")
    daily(site, clock, "2026-03-18", "2026-03-20", "2026-03-23")
    assert ("timeout", 0, ["office"]) in fired(site, clock, "2026-03-24 18:00")  # back to the office director
    v = office.view(item)
    assert v["current_step"] != "handle"
    assert [t["state"] for t in v["tasks"] if t["step"] == "handle"] == ["returned"]
    assert "finance.head" not in {who for day in daily(site, clock, "2026-03-25", "2026-03-26").values()
                                  for _, _, people in day for who in people}


def test_a_unit_signing_after_the_document_went_back_is_told_the_timeout_took_it(office, site, clock):
    import pytest

    from engine.core.states import Conflict

    doc = dispatched(office, site)
    task = office.task(doc, "handle", on="it")
    fired(site, clock, "2026-03-04 18:00")
    with pytest.raises(Conflict) as refused:
        site.act(task, "accept", "it.head", {})
    assert (refused.value.details["winner"], refused.value.details["action"]) == (None, "timeout")
    assert refused.value.zh == "该任务已结束：系统已于 2026-03-04 18:00 执行“超时处理”，请刷新后查看"
