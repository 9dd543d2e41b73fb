"""Routers of /api/v1, one module per resource."""
from __future__ import annotations

from api.schemas import ErrorBody

ERRORS = {s: {"model": ErrorBody, "description": d} for s, d in (
    (401, "not signed in, or the token expired or was revoked"), (403, "the caller may not do this"),
    (404, "no such thing, or the caller may not see it"), (409, "someone else changed it first"),
    (422, "bad input; `details.fields` names the fields"))}
