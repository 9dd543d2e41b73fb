"""The light (亮灯) of a running item as the API shows it: the colour, its label and its reason in words."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Label


class LightPublic(BaseModel):
    light: Literal["green", "yellow", "red"] = Field(description="绿灯 green, 黄灯 yellow, 红灯 red")
    label: Label
    reason: Label = Field(description="why, e.g. 距办理时限还有 2 个工作日 / due in 2 working days")
    reason_code: Literal["on_track", "overdue", "due_soon", "milestone_missed", "report_missed", "behind_plan",
                         "no_due"]


LIGHT_FIELD = Field(default=None, description="亮灯 of the item while it runs (null once closed): red when overdue; "
                    "yellow within the definition's `lights.yellow_within` of due, on a missed milestone or report "
                    "window, or behind plan by more than `lights.behind_plan_margin` points; green otherwise")
