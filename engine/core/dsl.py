"""Pydantic models of the workflow language: definitions, fields, step kinds (a union keyed on `kind`)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engine.core import recurrence
from engine.core import expr
from engine.core.actions.catalogue import NAMES as IN_TASK_ACTIONS
from engine.core.fields import coerce
from engine.core.states import InputError

ROLES = {
    "admin": ("系统管理员", "Administrator"),
    "leader": ("领导", "Leader"),
    "office_director": ("办公室主任", "Office director"),
    "clerk": ("督办员", "Supervision clerk"),
    "unit_head": ("部门负责人", "Unit head"),
    "staff": ("科员", "Staff"),
    "auditor": ("审计员", "Auditor"),
}

FIELD_TYPES = ("text", "long_text", "date", "datetime", "enum", "unit", "person", "units", "number", "boolean",
               "milestones")

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_ENGINE_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")  # an engine list, stage or hook: appraisal.people


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(Strict):
    """A bilingual label: Chinese for the office, English beside it."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


# ---------------------------------------------------------------- durations and deadlines

_DURATION = re.compile(
    r"^\s*(?P<n>\d+(?:\.\d+)?)\s*(?:个)?\s*(?P<unit>working\s+days?|workdays?|工作日|days?|天|日|"
    r"working\s+hours?|工作小时|hours?|小时)\s*$",
    re.IGNORECASE,
)
_UNITS = {
    "working day": "working_days", "working days": "working_days", "workday": "working_days",
    "workdays": "working_days", "工作日": "working_days", "day": "days", "days": "days", "天": "days",
    "日": "days", "working hour": "working_hours", "working hours": "working_hours",
    "工作小时": "working_hours", "hour": "hours", "hours": "hours", "小时": "hours",
}


class Duration(Strict):
    """An amount of time in one unit: working_days, days, working_hours or hours."""

    amount: float
    unit: Literal["working_days", "days", "working_hours", "hours"]

    @classmethod
    def parse(cls, text: Any) -> "Duration":
        m = _DURATION.match(str(text)) if isinstance(text, (str, int, float)) else None
        if not m:
            raise ValueError(
                f"bad duration {text!r}: write e.g. '3 working days', '2 days', '4 hours', '4 working hours'"
            )
        unit = _UNITS[re.sub(r"\s+", " ", m.group("unit").lower())]
        amount = float(m.group("n"))
        if unit in ("working_days", "days") and amount != int(amount):
            raise ValueError(f"bad duration {text!r}: days must be whole")
        return cls(amount=amount, unit=unit)

    def __str__(self) -> str:
        n = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{n} {self.unit.replace('_', ' ')}"


_REF = re.compile(r"^(subject|assignment|input)\.([a-z_][a-z0-9_]*)$")


class Deadline(Strict):
    """When a task is due: a duration from creation, a subject/assignment/input field, or a fixed time."""

    duration: Duration | None = None
    ref: str | None = None
    at: datetime | None = None

    @classmethod
    def parse(cls, value: Any) -> "Deadline":
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"deadline {value} needs a time zone, e.g. 2026-04-01T18:00:00+08:00")
            return cls(at=value)
        text = str(value).strip()
        if _REF.match(text):
            return cls(ref=text)
        try:
            at = datetime.fromisoformat(text)
        except ValueError:
            return cls(duration=Duration.parse(text))
        if at.tzinfo is None:
            raise ValueError(f"deadline {text!r} needs a time zone, e.g. 2026-04-01T18:00:00+08:00")
        return cls(at=at)


def _deadline(v: Any) -> Any:
    return v if v is None or isinstance(v, Deadline) else Deadline.parse(v)


def _duration(v: Any) -> Any:
    return v if v is None or isinstance(v, Duration) else Duration.parse(v)


DeadlineField = Annotated[Deadline | None, Field(default=None)]


# ---------------------------------------------------------------- fields

class DefaultFrom(Strict):
    """A field's default read from another field: `{field: priority, map: {urgent: key}}`; a value not in the map
    (or no value) leaves the field's own `default`."""

    field: str
    map: dict[str, Any] = Field(min_length=1, max_length=50)


class FieldDef(Strict):
    """One typed field of the subject (the item's form)."""

    type: Literal[FIELD_TYPES]  # type: ignore[valid-type]
    label: Label | None = None
    required: bool = False
    values: list[str] | None = None  # enum choices
    labels: dict[str, Label] | None = None  # enum value labels
    min: float | None = None  # number fields in forms: the least value accepted
    max: float | None = None  # ... and the greatest
    default: Any = None  # after `values`, so that its check can see them
    default_from: DefaultFrom | None = None  # a default taken from another field's value (priority urgent -> key)

    @field_validator("values")
    @classmethod
    def _values_for_enums(cls, v: list[str] | None, info: ValidationInfo) -> list[str] | None:
        ftype = info.data.get("type")
        if v is not None and ftype is not None and ftype != "enum":
            raise ValueError(f"`values` only belongs to enum fields, not {ftype}")
        return v

    @field_validator("default")
    @classmethod
    def _default_fits(cls, v: Any, info: ValidationInfo) -> Any:
        if v is None or "type" not in info.data or (info.data["type"] == "enum" and not info.data.get("values")):
            return v  # a bad type or missing values are reported on their own
        try:
            coerce(info.data["type"], v, "default", choices=info.data.get("values"), low=info.data.get("min"),
                   high=info.data.get("max"))
        except InputError as e:
            why = re.sub(r", got .*$", "", e.en.removeprefix("default: "))
            raise ValueError(f"default {v!r} does not fit the {info.data['type']} field: {why}") from None
        return v

    @model_validator(mode="after")
    def _check(self) -> "FieldDef":
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs `values`")
        if (self.min is not None or self.max is not None) and self.type != "number":
            raise ValueError(f"`min` and `max` only belong to number fields, not {self.type}")
        if self.default_from is not None and self.type == "enum":
            for k, v in self.default_from.map.items():
                if v not in (self.values or []):
                    raise ValueError(f"default_from: {k!r} maps to {v!r}, which is not one of `values`")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"`min` ({self.min:g}) is greater than `max` ({self.max:g})")
        return self


# ---------------------------------------------------------------- transitions

class Transition(Strict):
    to: str
    when: str | None = None


def _transitions(v: Any) -> Any:
    if v is None:
        return []
    if isinstance(v, str):
        return [{"to": v}]
    return v


class Outcome(Strict):
    label: Label | None = None
    next: list[Transition] = Field(default_factory=list)

    _norm = field_validator("next", mode="before")(_transitions)


# ---------------------------------------------------------------- steps

class SplitRule(Strict):
    """任务分解: the lead of this step (or the holder of an assign step) may split the item into parts (the `split`
    action), each a child item of `definition` (default: this one) that enters `start` (default: the definition's
    start) already assigned to the part's lead; `complete_before_children`: may the lead complete this step while
    a part is still open (default: no)."""

    definition: str | None = None
    start: str | None = None
    complete_before_children: bool = False
    max_parts: int = Field(default=50, ge=1, le=50)  # parts in one split (at most 50)


class StepBase(Strict):
    title: Label
    actor: str | None = None
    deadline: DeadlineField = None
    next: list[Transition] = Field(default_factory=list)
    allow: list[str] | None = None  # in-task actions this step offers beyond its kind's own
    return_to: str | None = None  # where `return` sends the item (default: the sender)
    transfer_keeps_deadline: bool = True
    transfer_deadline: DeadlineField = None  # used when transfer_keeps_deadline is false
    extension_approver: str = "role:office_director"
    sign: bool | None = None  # tasks wait for 签收 (accept) first; default per kind
    hooks: dict[str, str] = Field(default_factory=dict)  # action -> engine hook run in the action's transaction
    cc: list[str] = Field(default_factory=list, max_length=50)  # 抄送: actor expressions given a copy on entering
    # 阅件 instead of work: the holder's own `circulate` closes the task, and once everyone has read, this step
    circulated: str | None = None
    # submitted values kept on the item's assignment (form field -> assignment key), e.g. the leader's 批示
    to_assignment: dict[str, str] = Field(default_factory=dict)
    split: SplitRule | None = None  # 任务分解: who holds this step may split the item into child items

    _norm_next = field_validator("next", mode="before")(_transitions)
    _norm_deadline = field_validator("deadline", "transfer_deadline", mode="before")(_deadline)

    @field_validator("hooks")
    @classmethod
    def _known_hooks(cls, v: dict[str, str]) -> dict[str, str]:
        for action, hook in v.items():
            if action not in IN_TASK_ACTIONS:
                raise ValueError(f"hooks: unknown action {action!r}; known actions: {', '.join(IN_TASK_ACTIONS)}")
            if not isinstance(hook, str) or not _ENGINE_NAME.match(hook):
                raise ValueError(f"hooks: {action}: {hook!r} is not an engine hook name such as appraisal.rating")
        return v

    @field_validator("allow")
    @classmethod
    def _known_actions(cls, v: list[str] | None) -> list[str] | None:
        for a in v or []:
            if a not in IN_TASK_ACTIONS:
                raise ValueError(f"unknown action {a!r}; known actions: {', '.join(IN_TASK_ACTIONS)}")
        return v


class AppealRule(Strict):
    """申诉: holders of an `each` task may appeal; a decision task goes to the first reviewer who is neither the
    appellant nor one of the original raters (the entry's `raters`)."""

    reviewers: list[str] = Field(min_length=1)  # actor expressions, tried in order
    deadline: DeadlineField = None  # of the decision task

    _d = field_validator("deadline", mode="before")(_deadline)


class TaskStep(StepBase):
    """One actor does something; its outcomes (or `submit`) lead to next steps. With `each`, one task per entry
    of an engine list (everyone in an appraisal's scope, say), in parallel; the step is done when none is open."""

    kind: Literal["task"]
    outcomes: dict[str, Outcome] = Field(default_factory=dict)
    form: dict[str, FieldDef] = Field(default_factory=dict)  # fields the actor fills in
    each: str | None = None  # an engine list: one task per entry (its holder, its data, its extra form fields)
    close_after: Duration | None = None  # after the deadline, tasks still open lapse and the step moves on
    appeal: AppealRule | None = None  # `each` tasks may be appealed (申诉)

    _d = field_validator("close_after", mode="before")(_duration)

    @field_validator("each")
    @classmethod
    def _engine_list(cls, v: str | None) -> str | None:
        if v is not None and not _ENGINE_NAME.match(v):
            raise ValueError(f"each: {v!r} is not an engine list name such as appraisal.people")
        return v

    @model_validator(mode="after")
    def _each_options(self) -> "TaskStep":
        if self.each is None:
            for key in ("close_after", "appeal"):
                if getattr(self, key) is not None:
                    raise ValueError(f"`{key}` only belongs to a step with `each`")
        else:
            if self.outcomes:
                raise ValueError("a step with `each` has no `outcomes`: each task is submitted")
            if self.close_after is not None and self.deadline is None:
                raise ValueError("`close_after` counts from the `deadline`, which is missing")
        return self


class Prefill(Strict):
    lead: str | None = None
    co: str | None = None
    due: str | None = None
    milestones: str | None = None  # 节点: e.g. subject.milestones, into the assign form's `milestones` field


class AssignStep(StepBase):
    """交办: an actor chooses the lead (主办), co-handlers and the deadline; the choice becomes the assignment."""

    kind: Literal["assign"]
    prefill: Prefill | None = None
    form: dict[str, FieldDef] = Field(default_factory=dict)  # more fields (拟办意见), kept on the assignment
    lead_kind: Literal["unit", "person", "any"] = "any"


class Quorum(Strict):
    quorum: int = Field(ge=1)


class CoHandleStep(StepBase):
    """会办/协办: the lead and co-handlers work in parallel; the join rule says when co-handling is done."""

    kind: Literal["co_handle"]
    lead: str = "assignment.lead"
    co: str = "assignment.co"
    join: Literal["all", "any"] | Quorum = "all"


class TransferRule(Strict):
    when: str | None = None
    to: str
    co: str | None = None


class TransferStep(StepBase):
    """转办: route the item to another unit or person, chosen at run time by `actor` or by `rules`."""

    kind: Literal["transfer"]
    rules: list[TransferRule] = Field(default_factory=list)


class CirculateStep(StepBase):
    """传阅: the item goes to readers (`to`, actor expressions) as reading tasks (阅件), all at once or one after
    another; the step is done when every reader has read (已阅), or the circulation is recalled."""

    kind: Literal["circulate"]
    to: list[str] = Field(min_length=1, max_length=50)
    order: Literal["parallel", "sequential"] = "parallel"
    allow_pass_on: bool = False

    @field_validator("to", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class Escalation(Strict):
    after_overdue: Duration  # `0 working days`: at the due time itself (at once)
    to: str
    card: Literal["yellow", "red"]
    when: str | None = None  # an expression over `subject`: the rule applies only to items where it holds

    _d = field_validator("after_overdue", mode="before")(_duration)


class Timeout(Strict):
    """What happens to a task left too long: `after_overdue` (counted from its due time) or `after_unsigned`
    (counted from when it reached its holder, and only while nobody has signed it — 签收)."""

    after_overdue: Duration | None = None
    action: Literal["notify", "reassign", "return"]
    to: str | None = None
    after_unsigned: Duration | None = None

    _d = field_validator("after_overdue", "after_unsigned", mode="before")(_duration)

    @model_validator(mode="after")
    def _one_clock(self) -> "Timeout":
        if (self.after_overdue is None) == (self.after_unsigned is None):
            raise ValueError("a timeout needs one of `after_overdue` or `after_unsigned`")
        return self


class ChaseStep(Strict):
    """催办: supervision attached to other steps' tasks: reminders, chases, escalations, timeouts."""

    kind: Literal["chase"]
    title: Label
    attach_to: list[str]
    # an expression over `subject` (`subject.level == 'flagged'`): this rule set applies only to items where it
    # holds; of several chase steps attached to one step, the first (in the order written) that holds applies
    when: str | None = None
    remind_before: Duration | None = None
    remind_every: Duration | None = None  # after the first reminder, again every so often until the due time
    at_due: bool = True
    every_overdue: Duration | None = None
    max_chases: int = Field(default=10, ge=0)
    escalate: list[Escalation] = Field(default_factory=list)
    on_timeout: Timeout | None = None
    min_interval: Duration = Duration(amount=1, unit="working_days")  # between manual chases
    # 定期反馈: the lead reports progress every week (`report_on: fri`) or month (`report_on: 25`)
    report_every: str | None = None
    report_on: str | int | None = None

    _d = field_validator("remind_before", "remind_every", "every_overdue", "min_interval", mode="before")(_duration)

    @model_validator(mode="after")
    def _reminders(self) -> "ChaseStep":
        if self.remind_every is not None and self.remind_before is None:
            raise ValueError("`remind_every` repeats the reminder that `remind_before` starts; give `remind_before`")
        if self.remind_every is not None and self.remind_every.amount <= 0:
            raise ValueError("`remind_every` must be more than 0")
        return self

    def applies(self, subject: dict | None) -> bool:
        """Whether this rule set applies to an item with `subject` (no `when`: always)."""
        return self.when is None or bool(expr.evaluate(self.when, {"subject": subject or {}}))

    def escalations(self, subject: dict | None) -> list[tuple[int, Escalation]]:
        """The escalation rules (with their place in `escalate`) whose `when` holds for `subject`."""
        return [(i, e) for i, e in enumerate(self.escalate)
                if e.when is None or bool(expr.evaluate(e.when, {"subject": subject or {}}))]

    @model_validator(mode="after")
    def _report_schedule(self) -> "ChaseStep":
        if self.report_every is not None or self.report_on is not None:
            report_schedule(self.report_every, self.report_on)  # raises ValueError with the reason
        return self

    @property
    def report(self) -> tuple[int, str, int] | None:
        """The report schedule as (every n, "week" | "month", weekday 0-6 or day of month 1-31), or None."""
        return report_schedule(self.report_every, self.report_on) if self.report_every is not None else None


_EVERY = re.compile(r"^\s*(\d+)\s*(weeks?|months?)\s*$", re.IGNORECASE)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def report_schedule(every: Any, on: Any) -> tuple[int, str, int]:
    """`report_every: 1 week` with `report_on: fri` (mon..sun), or `report_every: 1 month` with `report_on: 25`
    (a day of the month, 1-31; past a short month's end, its last day): (n, unit, day)."""
    if every is None or on is None:
        raise ValueError("`report_every` and `report_on` go together, e.g. report_every: 1 week, report_on: fri "
                         "(or report_every: 1 month, report_on: 25)")
    m = _EVERY.match(str(every))
    if not m or not 1 <= int(m.group(1)) <= 12:
        raise ValueError(f"bad report_every {every!r}: write '1 week', '2 weeks' or '1 month' (1 to 12)")
    n, unit = int(m.group(1)), "week" if m.group(2).lower().startswith("week") else "month"
    if unit == "week":
        if str(on).strip().lower() not in WEEKDAYS:
            raise ValueError(f"bad report_on {on!r}: a weekly report falls on a weekday: {', '.join(WEEKDAYS)}")
        return n, unit, WEEKDAYS.index(str(on).strip().lower())
    if isinstance(on, bool) or not str(on).strip().isdigit() or not 1 <= int(str(on).strip()) <= 31:
        raise ValueError(f"bad report_on {on!r}: a monthly report falls on a day of the month, 1 to 31")
    return n, unit, int(str(on).strip())


class ReviewStep(StepBase):
    """审核: approve (go to `next`) or reject with a comment (loop back to `reject_to`)."""

    kind: Literal["review"]
    reject_to: str


class AutoStep(StepBase):
    """An engine action with no human: notify, set_field, compute (an expression, or a named engine stage)."""

    kind: Literal["auto"]
    action: Literal["notify", "set_field", "compute"]
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def stage(self) -> str | None:
        """The engine stage this step runs (`compute` with `params: {stage: NAME}`), or None."""
        v = self.params.get("stage") if self.action == "compute" else None
        return v if isinstance(v, str) else None

    @model_validator(mode="after")
    def _compute_params(self) -> "AutoStep":
        if self.action == "compute":
            stage = self.params.get("stage")
            if stage is not None:
                if not isinstance(stage, str) or not _ENGINE_NAME.match(stage):
                    raise ValueError(f"params.stage: {stage!r} is not an engine stage name such as appraisal.metrics")
            elif not (self.params.get("field") and self.params.get("expr")):
                raise ValueError("`compute` needs `params: {stage: NAME}` or `params: {field: NAME, expr: EXPRESSION}`")
        return self


class RatingRule(Strict):
    """办结评价: when the item closes completed, the first of `by` (actor expressions) who resolves gets a rating
    task (满意 / 基本满意 / 不满意); left unrated for `window`, it lapses to 未评价 (engine.core.rating)."""

    by: list[str] = Field(default_factory=lambda: ["subject.leader", "initiator"], min_length=1, max_length=5)
    window: Duration = Duration(amount=5, unit="working_days")

    _d = field_validator("window", mode="before")(_duration)

    @field_validator("by", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class EndStep(Strict):
    """The item ends with an outcome; with `rating`, a completed item asks its instructing leader to rate it."""

    kind: Literal["end"]
    title: Label
    outcome: Literal["completed", "cancelled", "archived"] = "completed"
    rating: RatingRule | None = None


Step = Annotated[
    Union[TaskStep, AssignStep, CoHandleStep, TransferStep, ChaseStep, ReviewStep, AutoStep, EndStep, CirculateStep],
    Field(discriminator="kind"),
]
STEP_KINDS = ("task", "assign", "co_handle", "transfer", "chase", "review", "auto", "end", "circulate")


class Trigger(Strict):
    """A definition that starts by itself (周期性事项: the quarterly appraisal, a monthly report), once per period
    (engine.core.recurrence, engine.runtime.recurring)."""

    schedule: Literal["weekly", "monthly", "quarterly", "yearly"]
    on: str | None = Field(None, max_length=40, description="the day in the period: `5th working day`, "
                           "`last working day`, `fri` (weekly), `day 15`; default the 1st working day")
    at: str = Field("09:00", description="HH:MM on that day, site time zone")
    period: Literal["previous", "current"] = "previous"
    subject: dict[str, Any] = Field(default_factory=dict, max_length=50, description="the subject of each item, "
                                    "with {period} {period_zh} {year} {month} {quarter} {week} filled in")

    @field_validator("on")
    @classmethod
    def _on(cls, v: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("schedule"):
            recurrence.parse_on(v, info.data["schedule"])
        return v

    @field_validator("at")
    @classmethod
    def _at(cls, v: str) -> str:
        recurrence.parse_at(v)
        return v

    @field_validator("subject")
    @classmethod
    def _subject(cls, v: dict[str, Any]) -> dict[str, Any]:
        problems = recurrence.template_problems(v)
        if problems:
            raise ValueError("; ".join(problems))
        return v


class LightRules(Strict):
    """亮灯 thresholds: yellow within `yellow_within` of the due time (default 2 working days), and when reported
    progress trails the share of the item's time that has passed by more than `behind_plan_margin` percentage
    points (default 20). Red is always "overdue"."""

    yellow_within: Duration = Duration(amount=2, unit="working_days")
    behind_plan_margin: float = Field(default=20, ge=0, le=100)

    _d = field_validator("yellow_within", mode="before")(_duration)


class Serial(Strict):
    prefix: str  # 督 → 督〔2026〕15号


class Definition(Strict):
    """A whole workflow definition."""

    id: str
    version: int = Field(ge=1)
    title: Label
    serial: Serial
    fields: dict[str, FieldDef] = Field(default_factory=dict)
    title_field: str = "title"
    confidential_field: str | None = None
    start: str
    steps: dict[str, Step]
    trigger: Trigger | None = None
    lights: LightRules = LightRules()  # the thresholds of the traffic light (亮灯); defaults in LightRules

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"id {v!r} must be lower-case letters, digits and _ (e.g. directive)")
        return v

    @model_validator(mode="after")
    def _trigger_subject(self) -> "Definition":
        unknown = sorted(set(self.trigger.subject) - set(self.fields)) if self.trigger else []
        if unknown:
            raise ValueError(f"trigger.subject names {', '.join(unknown)}, not fields of this definition")
        return self

    def step(self, step_id: str) -> Any:
        return self.steps[step_id]

    def chase_rules_for(self, step_id: str, subject: dict | None = None) -> ChaseStep | None:
        """The chase rules of a step's tasks: the first chase step attached to it whose `when` holds for the item's
        `subject` (without a subject, `when` is read against an empty one)."""
        for s in self.steps.values():
            if isinstance(s, ChaseStep) and step_id in s.attach_to and s.applies(subject):
                return s
        return None
