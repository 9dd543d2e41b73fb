"""The log of a running site: one handler on stderr, as text or as one JSON object per line (DUBAN_LOG_FORMAT),
at DUBAN_LOG_LEVEL. Quiet by design: a line per HTTP request (api/access_log.py), a line per sweep that fired
something (engine.runtime.scheduler), warnings and errors; APScheduler's own every-tick lines are kept to WARNING
and uvicorn's access log is replaced by Duban's own."""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

# the fields a line may carry besides its message (passed as `extra=`), written as JSON keys
FIELDS = ("method", "path", "status", "ms", "login", "fired", "failed")
QUIET = ("apscheduler", "apscheduler.scheduler", "apscheduler.executors.default", "uvicorn.access")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the line's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        line.update({k: getattr(record, k) for k in FIELDS if getattr(record, k, None) is not None})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def setup(level: str = "info", fmt: str = "text", stream=None) -> logging.Handler:
    """Send every logger's lines to `stream` (stderr) in `fmt` at `level`; returns the handler (tests remove it)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "duban", False)]:
        root.removeHandler(old)
    handler.duban = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn's start/stop lines go through the same handler
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
