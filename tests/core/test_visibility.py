"""Who sees an item, decided without a database: policy.viewer holds what the decision depends on (the same
Viewer the store turns into the list's SQL filter), and can_see applies the one rule to it."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import yaml

from engine.core import policy
from engine.core.model import Actor, ItemSnap, TaskSnap
from engine.core.org import Holder, org_from_data
from engine.core.states import ItemState, Part, TaskKind, TaskState

ROOT = Path(__file__).resolve().parents[2]
ORG = org_from_data(yaml.safe_load((ROOT / "definitions" / "org.demo.yaml").read_text(encoding="utf-8")))
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)


def actor(login: str) -> Actor:
    p = ORG.people[login]
    return Actor(login, p.unit, p.roles)


def item_held_by(person: str) -> ItemSnap:
    """An item started by the clerk whose one task is held by `person` (nothing else involved)."""
    task = TaskSnap(1, "handle", TaskKind.work, Part.single, Holder(person=person), TaskState.pending, None, T0)
    return ItemSnap(1, None, {}, ItemState.running, {}, "clerk", "handle", [task])  # type: ignore[arg-type]


def test_the_viewer_holds_the_unit_people_and_whether_a_role_sees_all():
    v = policy.viewer(ORG, actor("finance.staff2"))
    assert v.unit == "finance" and "finance.head" in v.unit_people and "finance.staff2" in v.unit_people
    assert not v.unit_people - {p.login for p in ORG.people.values() if p.unit == "finance"}
    assert v.sees_all is False
    assert policy.viewer(ORG, actor("leader")).sees_all is True


def test_a_colleague_of_someone_involved_sees_the_item_unless_it_is_confidential():
    item = item_held_by("finance.staff1")
    assert policy.can_see(ORG, actor("finance.staff1"), item, confidential=True)  # involved
    assert policy.can_see(ORG, actor("finance.staff2"), item, confidential=False)  # a colleague of the holder
    assert not policy.can_see(ORG, actor("finance.staff2"), item, confidential=True)
    assert not policy.can_see(ORG, actor("it.staff1"), item, confidential=False)  # another unit, not involved
    assert policy.can_see(ORG, actor("leader"), item, confidential=False)  # sees every ordinary item
    assert not policy.can_see(ORG, actor("leader"), item, confidential=True)
