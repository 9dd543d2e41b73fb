"""Prefect flows over the engine's own functions (timer sweep, outbox dispatch, appraisal runs), and the
deployments that schedule them: the path for a site that outgrows one machine.

Importing this package turns Prefect's telemetry off unless the environment already says otherwise."""
from __future__ import annotations

import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

OFFLINE_ENV = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
