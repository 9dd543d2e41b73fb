"""The only place that reads the wall clock: SystemClock for production, ManualClock for tests and drills."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Real time, always timezone-aware (UTC)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ManualClock:
    """A clock that moves only when told to: tests and drill mode (--simulated-clock)."""

    def __init__(self, start: datetime, *, on_move: Callable[[datetime], None] | None = None):
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start
        self._lock = threading.Lock()
        self.on_move = on_move  # told the new time after every move (a drill stores it)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("time must be timezone-aware")
        with self._lock:
            self._now = when
            if self.on_move is not None:
                self.on_move(when)
            return self._now

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            if self.on_move is not None:
                self.on_move(self._now)
            return self._now


def monotonic() -> float:
    """Seconds on a monotonic clock: for cache ages, never for workflow time."""
    return time.monotonic()
