"""Shapes engine objects (people, definitions) into response dicts; no rule lives here."""
from __future__ import annotations

import logging
from typing import Any

from api.i18n import role_label
from engine.core import dsl
from engine.core.limits import bounds
from engine.core.model import Actor
from engine.runtime.site import Site
from engine.core.states import InputError
from engine.core import policy
from engine.reads.diagram import mermaid

log = logging.getLogger("duban.api")


def profile(site: Site, actor: Actor) -> dict:
    p = site.org.people[actor.login]
    u = site.org.units.get(p.unit)
    return {"login": p.login, "name": {"zh": p.name_zh, "en": p.name_en or p.login},
            "unit": {"id": p.unit, "name": {"zh": u.name_zh if u else p.unit, "en": u.name_en if u else p.unit}},
            "roles": [{"id": r, "label": role_label(r)} for r in sorted(p.roles)], "category": p.category,
            "may_start": [k for k in site.definitions() if policy.may_start(actor, k)]}


def _label(x: Any) -> dict | None:
    return {"zh": x.zh, "en": x.en} if x is not None else None


def definition_summary(defn: dsl.Definition, actor: Actor) -> dict:
    return {"id": defn.id, "version": defn.version, "title": _label(defn.title), "serial_prefix": defn.serial.prefix,
            "fields": [{"name": k, "type": f.type, "required": f.required, "label": _label(f.label),
                        "values": f.values, "default": f.default, "min": f.min, "max": f.max, **bounds(f.type)}
                       for k, f in defn.fields.items()],
            "may_start": policy.may_start(actor, defn.id)}


def definition_detail(defn: dsl.Definition, actor: Actor, lang: str) -> dict:
    try:
        diagram = mermaid(defn, lang)
    except Exception:  # noqa: BLE001 - a diagram problem must not hide the definition
        log.exception("no diagram for %s", defn.id)
        diagram = None
    steps = [{"id": sid, "kind": s.kind, "title": _label(getattr(s, "title", None))} for sid, s in defn.steps.items()]
    return {**definition_summary(defn, actor), "start": defn.start, "steps": steps, "diagram": diagram}


def no_nul(value: Any, field: str) -> Any:
    """Refuse NUL characters anywhere in a JSON value (PostgreSQL text cannot hold them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(field, "不能包含空字符", "must not contain NUL characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            no_nul(k, field)
            no_nul(v, f"{field}.{k}" if field else str(k))
    elif isinstance(value, list):
        for v in value:
            no_nul(v, field)
    return value
