"""The catalogue of in-task actions, the one list of them: each action's name, its Chinese and English label, the
fields it takes, the task states that allow it and the family of handlers that carries it out
(engine.core.actions.dispatch joins a name to its handler). Pure data: it imports no handler and no DSL."""
from __future__ import annotations

from dataclasses import dataclass

from engine.core.limits import bounds
from engine.core.states import TaskState


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    zh: str
    en: str
    choices: tuple | None = None
    min: float | None = None  # number fields: the accepted range
    max: float | None = None

    def public(self) -> dict:
        out = {"name": self.name, "type": self.type, "required": self.required, "label": {"zh": self.zh, "en": self.en}}
        if self.choices is not None:
            out["choices"] = list(self.choices)
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        return {**out, **bounds(self.type)}


def F(name: str, type_: str, required: bool, zh: str, en: str, choices: tuple | None = None,
      min: float | None = None, max: float | None = None) -> FieldSpec:
    return FieldSpec(name, type_, required, zh, en, choices, min, max)


SIGNING = frozenset({TaskState.pending})                     # only before the holder signs for it
OPEN = frozenset({TaskState.pending, TaskState.active})      # any open task
WORKING = frozenset({TaskState.active})                      # only once signed for (办理中)
RECALLABLE = frozenset({TaskState.done, TaskState.transferred})  # a step one has just taken (撤回)
READABLE = frozenset({TaskState.active, TaskState.done})  # a reading task, before or after 已阅
FAMILIES = ("routing", "cohandling", "decisions", "notes", "appeals", "circulation", "splitting", "rating")


@dataclass(frozen=True)
class ActionSpec:
    name: str
    zh: str
    en: str
    fields: tuple[FieldSpec, ...]
    states: frozenset[TaskState]
    family: str

    def label(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


REASON = F("reason", "long_text", True, "理由", "Reason")
# files uploaded to the item by the actor first (POST /instances/{id}/attachments), sent with the entry
ATTACHMENTS = F("attachments", "attachments", False, "附件", "Attachments")
_SPECS = [
    ActionSpec("accept", "签收", "Sign for it", (), SIGNING, "routing"),
    ActionSpec("return", "退回", "Return", (REASON, F("to_step", "text", False, "退回至环节", "Return to step")),
               OPEN, "routing"),
    ActionSpec("transfer", "转办", "Transfer", (F("to", "unit_or_person", True, "转至单位或人员", "To unit or person"),
                                              REASON), OPEN, "routing"),
    ActionSpec("add_cohandler", "加签", "Add co-handler", (F("unit", "unit", True, "协办单位", "Co-handling unit"),),
               WORKING, "cohandling"),
    ActionSpec("remove_cohandler", "减签", "Remove co-handler",
               (F("unit", "unit", True, "协办单位", "Co-handling unit"),), WORKING, "cohandling"),
    ActionSpec("progress", "进展反馈", "Report progress", (F("text", "long_text", True, "进展情况", "Progress"),
               F("percent", "number", False, "完成百分比", "Percent done", min=0, max=100), ATTACHMENTS), WORKING, "notes"),
    ActionSpec("request_extension", "延期申请", "Request extension",
               (F("new_due", "date", True, "申请延期至", "New due date"), REASON, ATTACHMENTS), WORKING, "decisions"),
    ActionSpec("approve", "同意", "Approve", (F("comment", "long_text", False, "意见", "Comment"),), WORKING, "decisions"),
    ActionSpec("reject", "不同意", "Reject", (F("comment", "long_text", True, "意见", "Comment"),), WORKING, "decisions"),
    ActionSpec("comment", "留言", "Comment", (F("text", "long_text", True, "内容", "Text"), ATTACHMENTS), OPEN,
               "notes"),
    ActionSpec("instruct", "批示", "Instruct", (F("text", "long_text", True, "批示内容", "Instruction"), ATTACHMENTS),
               OPEN, "notes"),
    # the fields of `complete` depend on the part (a co-handler's opinion, the lead's report): dispatch.fields_for
    ActionSpec("complete", "办结", "Complete", (F("report", "long_text", True, "办结报告", "Completion report"),
               ATTACHMENTS), WORKING, "cohandling"),
    ActionSpec("chase", "催办", "Chase", (F("message", "long_text", True, "催办内容", "Message"),), OPEN, "notes"),
    ActionSpec("cancel", "撤销", "Cancel", (REASON,), OPEN, "routing"),
    ActionSpec("assign", "交办", "Assign", (F("lead", "unit_or_person", True, "主办单位或人员", "Lead unit or person"),
               F("co", "units", False, "协办单位", "Co-handling units"), F("due", "date", True, "办理时限", "Due date")),
               WORKING, "routing"),
    # the fields of `submit` are the step's form (dispatch.fields_for)
    ActionSpec("submit", "提交", "Submit", (), WORKING, "routing"),
    ActionSpec("appeal", "申诉", "Appeal", (REASON, ATTACHMENTS), WORKING, "appeals"),
    ActionSpec("uphold", "维持原结果", "Uphold", (REASON,), WORKING, "appeals"),
    ActionSpec("adjust", "调整结果", "Adjust", (F("score", "number", True, "调整后得分", "New score", min=0, max=100),
               F("band", "text", False, "调整后等次", "New band"), REASON), WORKING, "appeals"),
    ActionSpec("calibrate", "校准", "Calibrate", (F("person", "text", True, "被考核人", "Person"),
               F("band", "text", False, "等次", "Band"), F("score", "number", False, "得分", "Score", min=0, max=100),
               REASON), WORKING, "appeals"),
    # 传阅: a leader or the office director circulates the item for reading; readers read, note and pass it on
    ActionSpec("circulate", "传阅", "Circulate", (
        F("to", "targets", True, "传阅对象（人员、单位或 role:角色）", "Readers (people, units or role:NAME)"),
        F("note", "long_text", False, "传阅说明", "Note"), F("due", "date", False, "阅读时限", "Read by"),
        F("order", "enum", False, "传阅方式", "Order", ("parallel", "sequential")),
        F("allow_pass_on", "boolean", False, "允许转阅", "May be passed on")), OPEN, "circulation"),
    ActionSpec("read", "已阅", "Mark as read", (), WORKING, "circulation"),
    ActionSpec("read_note", "阅批", "Reading note", (F("text", "long_text", True, "阅批意见", "Note"), ATTACHMENTS),
               READABLE, "circulation"),
    ActionSpec("pass_on", "转阅", "Pass on", (F("to", "targets", True, "转阅对象", "Pass on to"),), READABLE,
               "circulation"),
    ActionSpec("recall_circulation", "收回传阅", "Recall the circulation", (F("reason", "long_text", False, "理由", "Reason"),),
               WORKING, "circulation"),
    ActionSpec("recall", "撤回", "Recall", (REASON,), RECALLABLE, "routing"),
    # 任务分解: the step's lead splits the item into parts, each a child item (engine.core.split)
    ActionSpec("split", "任务分解", "Split into parts", (
        F("parts", "parts", True, "分解事项（每项：事项、主办、协办、时限、要求、权重）",
          "Parts (each: title, lead, co, due, instruction, weight)"),), WORKING, "splitting"),
    # 办结评价: the instructing leader rates a closed item; a comment is required for 不满意 (engine.core.rating)
    ActionSpec("rate", "办结评价", "Rate the result", (
        F("rating", "enum", True, "评价", "Rating", ("satisfied", "basically", "unsatisfied")),
        F("comment", "long_text", False, "评价意见（不满意时必填）", "Comment (required for unsatisfied)")),
               WORKING, "rating"),
    # 节点: the lead reports a milestone of the item done (its number as the item page shows it, from 1)
    ActionSpec("milestone_done", "节点完成", "Milestone done", (
        F("index", "number", True, "节点序号（从 1 起）", "Milestone number (from 1)", min=1, max=30),
        F("note", "long_text", False, "完成情况", "Note"), ATTACHMENTS), WORKING, "notes"),
]
ACTIONS: dict[str, ActionSpec] = {a.name: a for a in _SPECS}
NAMES: tuple[str, ...] = tuple(ACTIONS)
LABELS: dict[str, tuple[str, str]] = {a.name: (a.zh, a.en) for a in _SPECS}
FIELDS: dict[str, list[FieldSpec]] = {a.name: list(a.fields) for a in _SPECS}
# offered by who the actor is (a chasing role, a leader, the initiator, anyone who sees it), not by holding the task
BYSTANDER_ACTIONS = ("chase", "instruct", "cancel", "comment", "circulate", "recall_circulation")
# what the holder of a reading task (阅件) does; read_note and pass_on stay open after 已阅
READER_ACTIONS = ("read", "read_note", "pass_on")
# what the holder of a task does at each kind of step (beyond the step's `allow:` and its outcomes)
HOLDER_ACTIONS = {
    "task": ("submit",), "assign": ("assign",), "transfer": ("transfer",), "review": ("approve", "reject"),
    "co_handle": ("accept", "return", "transfer", "progress", "request_extension", "complete"),
}


# the origin an attachment takes from the action it came with
ATTACHMENT_ORIGINS = {"progress": "progress", "complete": "complete", "comment": "comment", "instruct": "instruct",
                      "request_extension": "extension", "appeal": "appeal", "read_note": "reading",
                      "milestone_done": "progress"}


def label(name: str, lang: str = "zh") -> str:
    """An action's label; a step's own outcome (not in the catalogue) is shown by its name."""
    spec = ACTIONS.get(name)
    return spec.label(lang) if spec else name
