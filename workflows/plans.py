"""Deployment plans: one scheduled flow to register (its name, schedule and parameters), and the period settings
they read. Shared by `workflows.deploy` and the flow modules that add plans of their own."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from engine.settings import SettingsError, settings


@dataclass
class Planned:
    """One deployment to make: a flow, its name, its schedule and default parameters."""

    name: str
    flow: Any
    description: str
    interval: timedelta | None = None
    cron: str | None = None
    timezone: str = "UTC"
    parameters: dict = field(default_factory=dict)

    @property
    def schedule_text(self) -> str:
        if self.interval is not None:
            return f"every {self.interval.total_seconds():g} s"
        return f"cron {self.cron!r} ({self.timezone})" if self.cron else "no schedule (run by hand)"

    def schedules(self) -> list:
        from prefect.schedules import Cron, Interval

        if self.interval is not None:
            return [Interval(self.interval, timezone=self.timezone)]
        return [Cron(self.cron, timezone=self.timezone)] if self.cron else []


def seconds_setting(name: str, default: float) -> timedelta:
    """A period setting in seconds (at least 1)."""
    try:
        value = float(getattr(settings(), name.removeprefix("DUBAN_").lower(), default))
    except SettingsError as e:
        raise SystemExit(f"duban deploy: {e}") from None
    if value < 1:
        raise SystemExit(f"duban deploy: {name} must be at least 1 second")
    return timedelta(seconds=value)
