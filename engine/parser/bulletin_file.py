"""definitions/bulletin.yaml: the scheduled supervision bulletin (督查通报): its id and title, the period it covers
(weekly, monthly, quarterly), the weekday and time it is sent, and who gets it (`role:` or `unit:` or a login);
problems as `file:line`."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.parser.positions import Located

KEYS = ("kind", "id", "title", "schedule", "day", "at", "to")
SCHEDULES = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_AT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_RECIPIENTS = 50


@dataclass(frozen=True)
class BulletinPlan:
    """When a bulletin is sent and to whom."""

    id: str
    title_zh: str
    title_en: str
    schedule: str  # weekly | monthly | quarterly
    day: int  # 0 = Monday (weekly only)
    at: str  # HH:MM, site time
    to: tuple[str, ...]

    @property
    def period(self) -> str:
        """The board's name of the period it covers: week, month or quarter."""
        return SCHEDULES[self.schedule]


def looks_like_bulletin(data: object) -> bool:
    return isinstance(data, dict) and str(data.get("kind", "")).strip().lower() == "bulletin"


def check_bulletin(located: Located) -> tuple[BulletinPlan | None, list[str]]:
    """The plan in located data and every problem found."""
    problems = list(located.problems)
    data, at = located.data, located.at
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [f"{at()}: expected a mapping with kind: bulletin, id, title, schedule, at, to"]
    for key in data:
        if key not in KEYS:
            problems.append(f"{at(key)}: unknown key {key!r} (expected {', '.join(KEYS)})")
    ident = data.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        problems.append(f"{at('id')}: id must be lower-case letters, digits and _ (e.g. weekly_bulletin)")
    title = data.get("title")
    if not (isinstance(title, dict) and isinstance(title.get("zh"), str) and isinstance(title.get("en"), str)):
        problems.append(f"{at('title')}: title needs zh and en, e.g. {{zh: 每周督查通报, en: Weekly bulletin}}")
        title = {"zh": "", "en": ""}
    schedule = data.get("schedule")
    if schedule not in SCHEDULES:
        problems.append(f"{at('schedule')}: schedule must be one of {', '.join(SCHEDULES)}")
    day = str(data.get("day", "friday")).strip().lower()
    if day not in DAYS:
        problems.append(f"{at('day')}: day must be a weekday name in English (monday ... sunday)")
    time_ = data.get("at")
    if not isinstance(time_, str) or not _AT.match(time_):
        problems.append(f"{at('at')}: at must be a time of day written \"HH:MM\" in quotes, e.g. \"16:00\"")
    to = data.get("to")
    if not isinstance(to, list) or not to or len(to) > MAX_RECIPIENTS or \
            not all(isinstance(x, str) and x.strip() for x in to):
        problems.append(f"{at('to')}: to must list 1 to {MAX_RECIPIENTS} recipients, e.g. [role:leader]")
    if problems:
        return None, problems
    return BulletinPlan(ident, title["zh"], title["en"], schedule, DAYS.index(day), time_,
                        tuple(x.strip() for x in to)), []


def load_bulletins(folder: Path) -> list[BulletinPlan]:
    """The valid bulletin plan of a definitions folder (bulletin.yaml), if it has one."""
    path = folder / "bulletin.yaml"
    if not path.is_file():
        return []
    plan, _ = check_bulletin(Located(path.read_bytes(), str(path)))
    return [plan] if plan else []
