"""亮灯, pure: the traffic light of an open item — red, yellow or green, always with its reason in words.

    red     overdue (the one overdue rule: an open work task past its due time, engine.core.states.item_overdue)
    yellow  due within `yellow_within` working days (default 2), or a milestone (节点) missed, or a report
            window (定期反馈) missed, or behind plan: reported progress below the share of the item's time that has
            passed by more than `behind_plan_margin` percentage points (default 20)
    green   otherwise

The thresholds come from the definition's `lights:` block (engine.core.dsl.LightRules). Missed milestones and
report windows are facts found elsewhere (engine.reads.lights asks engine.reads.checkpoints through one adapter);
here they are plain values. Time is an argument; the calendar counts working days."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from engine.core.dsl import LightRules
from engine.core.machine import add_duration


class Light(str, Enum):
    green = "green"
    yellow = "yellow"
    red = "red"


LABELS = {Light.green: ("绿灯", "Green"), Light.yellow: ("黄灯", "Yellow"), Light.red: ("红灯", "Red")}
RANK = {Light.green: 0, Light.yellow: 1, Light.red: 2}


@dataclass(frozen=True)
class Reason:
    """Why a light shows what it shows, in the office's words and in English."""

    code: str  # on_track | overdue | due_soon | milestone_missed | report_missed | behind_plan | no_due
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang.startswith("en") else self.zh


@dataclass(frozen=True)
class Facts:
    """What the light of one open item is read from."""

    overdue: bool  # by the one overdue rule
    due_at: datetime | None  # when the item is due (its assignment's due time; else its earliest open task's)
    started_at: datetime | None = None  # when its time began (registration), for "behind plan"
    progress: int | None = None  # the latest reported progress, 0..100; None when nothing was reported
    missed_milestone: str | None = None  # the title of a milestone missed at `now`
    missed_report: date | None = None  # the day of a report window missed at `now`


def light(facts: Facts, now: datetime, thresholds: LightRules, cal: Any) -> tuple[Light, Reason]:
    """The light of an open item at `now`, with its reason (the first that applies, worst first)."""
    if facts.overdue:
        days = cal.working_days_between(facts.due_at, now) if facts.due_at else 0
        return Light.red, Reason("overdue", f"已超期 {days} 个工作日" if days else "已超期",
                                 f"overdue by {days} working days" if days else "overdue")
    if facts.missed_milestone:
        return Light.yellow, Reason("milestone_missed", f"节点“{facts.missed_milestone}”未按期完成",
                                    f"milestone '{facts.missed_milestone}' missed")
    if facts.missed_report:
        day = facts.missed_report.isoformat()
        return Light.yellow, Reason("report_missed", f"{day} 未按期反馈进展", f"progress report due {day} missed")
    if facts.due_at is None:
        return Light.green, Reason("no_due", "未设办理时限", "no due date")
    if now >= due_soon_from(facts.due_at, thresholds, cal):
        days = cal.working_days_between(now, facts.due_at)
        return Light.yellow, Reason("due_soon", f"距办理时限还有 {days} 个工作日" if days else "今日到期",
                                    f"due in {days} working days" if days else "due today")
    behind = behind_plan(facts, now)
    if behind is not None and behind > thresholds.behind_plan_margin:
        elapsed = round(elapsed_share(facts, now) or 0)
        return Light.yellow, Reason("behind_plan", f"进度 {facts.progress}%，时间已过 {elapsed}%，落后于计划",
                                    f"progress {facts.progress}% with {elapsed}% of the time gone: behind plan")
    return Light.green, Reason("on_track", "正常推进", "on track")


def due_soon_from(due_at: datetime, thresholds: LightRules, cal: Any) -> datetime:
    """From when an item counts as due soon: `yellow_within` before its due time (working days: at office opening
    of the nth working day before the due day)."""
    w = thresholds.yellow_within
    if w.amount <= 0:
        return due_at
    if w.unit == "working_days":
        return cal.working_days_before(due_at, int(w.amount))
    return due_at - (add_duration(w, due_at, cal) - due_at)


def elapsed_share(facts: Facts, now: datetime) -> float | None:
    """The share of the item's time that has passed at `now`, in percent (0..100), or None without both ends."""
    if facts.started_at is None or facts.due_at is None or facts.due_at <= facts.started_at:
        return None
    part = (now - facts.started_at) / (facts.due_at - facts.started_at)
    return max(0.0, min(100.0, part * 100))


def behind_plan(facts: Facts, now: datetime) -> float | None:
    """How many percentage points reported progress trails the time passed (negative: ahead); None when it
    cannot be told (no dates; nothing reported counts as 0%)."""
    share = elapsed_share(facts, now)
    if share is None:
        return None
    return share - (facts.progress or 0)


def label(value: Light | str, lang: str = "zh") -> str:
    """绿灯 / 黄灯 / 红灯, or Green / Yellow / Red."""
    zh, en = LABELS[Light(value)]
    return en if lang.startswith("en") else zh


def shown(value: Light | str, reason: Reason, lang: str = "zh") -> str:
    """The light with its reason in one text (the ledger's 亮灯 column): 黄灯（距办理时限还有 2 个工作日）."""
    return f"{label(value, lang)} ({reason.en})" if lang.startswith("en") else f"{label(value)}（{reason.zh}）"
