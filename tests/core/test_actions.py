"""The action catalogue, table-driven and without a database: each action's Chinese and English label, its
fields, the task states that allow it, and the refusal when the task is in a state that does not."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.core import dsl
from engine.core.actions import catalogue, dispatch
from engine.core.machine import APPEAL, PURPOSE
from engine.core.model import UpdateTask
from engine.core.org import Holder
from engine.core.states import InputError, ItemState, NotAllowed, Part, TaskKind, TaskState

from tests.core.builders import actor, ctx, item, shipped, task

P, A = TaskState.pending, TaskState.active
OPEN, WORKING = {P, A}, {A}

# name: (中文, English, field names, states that allow it)
TABLE = {
    "accept": ("签收", "Sign for it", [], {P}),
    "return": ("退回", "Return", ["reason", "to_step"], OPEN),
    "transfer": ("转办", "Transfer", ["to", "reason"], OPEN),
    "add_cohandler": ("加签", "Add co-handler", ["unit"], WORKING),
    "remove_cohandler": ("减签", "Remove co-handler", ["unit"], WORKING),
    "progress": ("进展反馈", "Report progress", ["text", "percent", "attachments"], WORKING),
    "request_extension": ("延期申请", "Request extension", ["new_due", "reason", "attachments"], WORKING),
    "approve": ("同意", "Approve", ["comment"], WORKING),
    "reject": ("不同意", "Reject", ["comment"], WORKING),
    "comment": ("留言", "Comment", ["text", "attachments"], OPEN),
    "instruct": ("批示", "Instruct", ["text", "attachments"], OPEN),
    "complete": ("办结", "Complete", ["report", "attachments"], WORKING),
    "chase": ("催办", "Chase", ["message"], OPEN),
    "cancel": ("撤销", "Cancel", ["reason"], OPEN),
    "assign": ("交办", "Assign", ["lead", "co", "due"], WORKING),
    "submit": ("提交", "Submit", [], WORKING),
    "appeal": ("申诉", "Appeal", ["reason", "attachments"], WORKING),
    "uphold": ("维持原结果", "Uphold", ["reason"], WORKING),
    "adjust": ("调整结果", "Adjust", ["score", "band", "reason"], WORKING),
    "calibrate": ("校准", "Calibrate", ["person", "band", "score", "reason"], WORKING),
    "circulate": ("传阅", "Circulate", ["to", "note", "due", "order", "allow_pass_on"], OPEN),
    "read": ("已阅", "Mark as read", [], WORKING),
    "read_note": ("阅批", "Reading note", ["text", "attachments"], {A, TaskState.done}),
    "pass_on": ("转阅", "Pass on", ["to"], {A, TaskState.done}),
    "recall_circulation": ("收回传阅", "Recall the circulation", ["reason"], WORKING),
    "recall": ("撤回", "Recall", ["reason"], {TaskState.done, TaskState.transferred}),
    "split": ("任务分解", "Split into parts", ["parts"], WORKING),
    "rate": ("办结评价", "Rate the result", ["rating", "comment"], WORKING),
    "milestone_done": ("节点完成", "Milestone done", ["index", "note", "attachments"], WORKING),
}


def test_the_catalogue_is_the_table_and_the_contracts_names():
    assert list(catalogue.ACTIONS) == list(TABLE)
    # the DESIGN's contract names are all there, and the DSL's `allow:`/`hooks:` check reads the same list
    assert set(TABLE) >= {"accept", "return", "transfer", "add_cohandler", "remove_cohandler", "progress",
                          "request_extension", "approve", "reject", "comment", "instruct", "complete", "chase",
                          "cancel", "assign", "submit"}
    assert dsl.IN_TASK_ACTIONS == tuple(TABLE)


@pytest.mark.parametrize("name", list(TABLE))
def test_each_action_has_its_labels_fields_states_and_one_handler(name):
    zh, en, fields, states = TABLE[name]
    spec = catalogue.ACTIONS[name]
    assert (spec.zh, spec.en, spec.label("zh"), spec.label("en")) == (zh, en, zh, en)
    assert [f.name for f in spec.fields] == fields
    assert spec.states == states
    assert catalogue.LABELS[name] == (zh, en)
    assert dispatch.HANDLERS[name] is dispatch.FAMILY_HANDLERS[spec.family][name]
    assert sum(name in h for h in dispatch.FAMILY_HANDLERS.values()) == 1  # one handler, in its own family


def test_bystander_actions_come_to_who_the_actor_is_not_to_who_holds_the_task():
    it, t, _ = scene("instruct")  # finance holds it; the leader issued it; the clerk supervises
    assert [a for a in dispatch.available(it, t, actor("leader"), ctx()) if a in catalogue.BYSTANDER_ACTIONS] == \
        ["chase", "instruct", "circulate", "cancel", "comment"]  # a leader also circulates it (传阅)
    assert dispatch.available(it, t, actor("hr.staff1"), ctx()) == ["comment"]
    offered = dispatch.available(it, t, actor("finance.head"), ctx())
    assert "chase" not in offered and "comment" in offered  # nobody chases the task they hold


def test_number_fields_carry_their_range_and_required_fields_say_so():
    progress = {f.name: f for f in catalogue.ACTIONS["progress"].fields}
    assert progress["percent"].public() == {"name": "percent", "type": "number", "required": False,
                                            "label": {"zh": "完成百分比", "en": "Percent done"}, "min": 0, "max": 100}
    assert progress["text"].required and not progress["percent"].required


def test_handler_families_never_import_the_catalogue():
    folder = Path(catalogue.__file__).parent
    for fam in catalogue.FAMILIES + ("common",):
        tree = ast.parse((folder / f"{fam}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m and m.endswith(("catalogue", "dispatch")) for m in imported), fam


# ------------------------------------------------------------------ each action on a task in each state
DIRECTIVE, APPRAISAL = shipped("directive"), shipped("appraisal_quarterly")
LEAD = {"lead": {"unit": "finance"}, "co": ["hr"]}


def scene(name: str):
    """(item, task, actor login) where `name` is on offer when the task is in an allowed state."""
    if name in ("accept", "return", "transfer", "add_cohandler", "remove_cohandler", "progress",
                "request_extension", "complete", "comment", "split"):
        t = task("handle", Holder(unit="finance"), part=Part.lead)
        return item(DIRECTIVE, [t, task("handle", Holder(unit="hr"), id=2, part=Part.co)], assignment=LEAD), t, \
            "finance.head"
    if name == "milestone_done":  # the lead unit of an item with a milestone (节点) not yet done
        t = task("handle", Holder(unit="finance"), part=Part.lead)
        ms = {**LEAD, "milestones": [{"title": "调研完成", "due": "2026-04-10"}]}
        return item(DIRECTIVE, [t], assignment=ms), t, "finance.head"
    if name == "recall":  # the finance head has just transferred it
        t = task("handle", Holder(unit="finance"), part=Part.lead, closed_by="finance.head")
        return item(DIRECTIVE, [t], assignment=LEAD), t, "finance.head"
    if name in ("read", "read_note", "pass_on", "recall_circulation"):  # 阅件 circulated by the office director
        t = task("handle", Holder(person="hr.staff1"), kind=TaskKind.reading,
                 data={"circulation": "1@0", "by": "office", "allow_pass_on": True})
        return item(DIRECTIVE, [t], assignment=LEAD), t, "office" if name == "recall_circulation" else "hr.staff1"
    if name in ("instruct", "chase", "cancel", "circulate"):  # the leader issued it; the clerk chases
        t = task("handle", Holder(unit="finance"), part=Part.lead)
        return item(DIRECTIVE, [t], assignment=LEAD), t, {"instruct": "leader", "cancel": "leader", "circulate": "leader"}.get(name, "clerk")
    if name in ("approve", "reject"):
        t = task("verify", Holder(role="clerk"))
        return item(DIRECTIVE, [t], assignment=LEAD), t, "clerk"
    if name == "assign":
        t = task("assign", Holder(role="office_director"))
        return item(DIRECTIVE, [t]), t, "office"
    if name == "submit":
        t = task("register", Holder(role="clerk"))
        return item(DIRECTIVE, [t]), t, "clerk"
    if name == "appeal":
        t = task("appeal_window", Holder(person="hr.staff1"), data={"ratee": "hr.staff1"})
        return item(APPRAISAL, [t], subject={"title": "t", "period": "2026Q1"}), t, "hr.staff1"
    if name in ("uphold", "adjust"):
        t = task("appeal_window", Holder(person="office"), data={PURPOSE: APPEAL, "ratee": "hr.staff1"})
        return item(APPRAISAL, [t], subject={"title": "t", "period": "2026Q1"}), t, "office"
    if name == "calibrate":
        t = task("calibrate", Holder(role="office_director"))
        return item(APPRAISAL, [t], subject={"title": "t", "period": "2026Q1"}), t, "office"
    if name == "rate":  # 办结评价: the closed item's rating task, held by the instructing leader
        t = task("close", Holder(person="leader"), kind=TaskKind.rating, data={"purpose": "rating"})
        return item(DIRECTIVE, [t], state=ItemState.completed, assignment=LEAD), t, "leader"
    raise AssertionError(name)


@pytest.mark.parametrize("name", list(TABLE))
@pytest.mark.parametrize("state", [P, A])
def test_an_action_is_offered_exactly_in_the_states_that_allow_it(name, state):
    it, t, login = scene(name)
    t.state = state
    offered = dispatch.available(it, t, actor(login), ctx())
    assert (name in offered) == (state in TABLE[name][3]), offered
    assert all(t.state in catalogue.ACTIONS[a].states for a in offered if a in catalogue.ACTIONS)


@pytest.mark.parametrize("name", [n for n, row in TABLE.items() if row[3] == WORKING])
def test_an_action_for_a_signed_task_is_refused_before_signing_with_sign_first(name):
    it, t, login = scene(name)
    t.state = P
    with pytest.raises(NotAllowed) as e:
        dispatch.take(it, t, name, actor(login), {}, ctx())
    assert (e.value.zh, e.value.en) == ("请先签收", "sign for the task first")


def test_signing_for_a_signed_task_is_refused_by_the_actions_own_name():
    it, t, login = scene("accept")
    with pytest.raises(NotAllowed) as e:
        dispatch.take(it, t, "accept", actor(login), {}, ctx())
    assert e.value.zh == "您现在不能对该任务执行“签收”"
    assert e.value.en == "you may not take the action 'Sign for it' on this task now"


@pytest.mark.parametrize("closed", [TaskState.done, TaskState.returned, TaskState.transferred,
                                    TaskState.cancelled, TaskState.skipped])
@pytest.mark.parametrize("name", ["comment", "complete", "accept"])
def test_nothing_is_offered_on_a_closed_task_and_the_refusal_says_it_ended(name, closed):
    it, t, login = scene(name)
    t.state = closed
    assert dispatch.available(it, t, actor(login), ctx()) == []
    with pytest.raises(NotAllowed) as e:
        dispatch.take(it, t, name, actor(login), {}, ctx())
    assert e.value.en == "the task is no longer open"


def test_nothing_is_offered_on_an_ended_item():
    it, t, login = scene("comment")
    it.state = ItemState.completed
    assert dispatch.available(it, t, actor(login), ctx()) == []
    with pytest.raises(NotAllowed) as e:
        dispatch.take(it, t, "comment", actor(login), {"text": "x"}, ctx())
    assert e.value.en == "the item has ended"


def test_an_unknown_action_is_named_as_unknown():
    it, t, login = scene("comment")
    with pytest.raises(NotAllowed) as e:
        dispatch.take(it, t, "frobnicate", actor(login), {}, ctx())
    assert e.value.en == "there is no action 'frobnicate'"


def test_taking_an_allowed_action_goes_through_its_handler():
    it, t, login = scene("accept")
    t.state = P
    effects = dispatch.take(it, t, "accept", actor(login), {}, ctx())
    assert UpdateTask(t.id, {"state": TaskState.active, "accepted_at": ctx().now}) in effects


def test_fields_are_checked_by_the_one_coercer_before_the_handler_runs():
    it, t, login = scene("progress")
    for data, field in (({"text": "  "}, "text"), ({"text": "x", "percent": 150}, "percent"),
                        ({"text": "x", "percent": "abc"}, "percent")):
        with pytest.raises(InputError) as e:
            dispatch.take(it, t, "progress", actor(login), data, ctx())
        assert e.value.field == field
    it, t, login = scene("request_extension")
    with pytest.raises(InputError) as e:
        dispatch.take(it, t, "request_extension", actor(login), {"new_due": "2101-01-04", "reason": "r"}, ctx())
    assert (e.value.field, e.value.en) == ("new_due", "new_due: the date must fall between 2000 and 2100")


def test_the_api_shape_of_an_action_comes_from_the_catalogue():
    it, t, _ = scene("complete")
    assert dispatch.public("complete", it, t) == {
        "name": "complete", "label": {"zh": "办结", "en": "Complete"},
        "fields": [{"name": "report", "type": "long_text", "required": True,
                    "label": {"zh": "办结报告", "en": "Completion report"}, "max_length": 20_000},
                   {"name": "attachments", "type": "attachments", "required": False,
                    "label": {"zh": "附件", "en": "Attachments"}},
                   {"name": "cc", "type": "targets", "required": False, "label": {"zh": "抄送", "en": "Copy to"}}]}
    co = task("handle", Holder(unit="hr"), id=2, part=Part.co)
    assert [f.name for f in dispatch.fields_for("complete", it, co)] == ["opinion", "attachments"]
    ext = task("handle", Holder(role="office_director"), id=3, kind=TaskKind.extension)
    assert [f["name"] for f in dispatch.public("approve", it, ext)["fields"]] == ["comment", "cc"]  # 抄送 on every action
