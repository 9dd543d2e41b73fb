"""The one assignment check (no database): `assign` and the new-item form both ask it."""
from __future__ import annotations

from datetime import date

import pytest

from engine.core.assignment import check_assignment, check_proposal
from engine.core.org import Holder, org_from_data
from engine.core.states import InputError
from engine.parser.loader import definitions_dir, parse_definition

TODAY = date(2026, 3, 2)
ORG = org_from_data({"units": {"finance": {"zh": "财务部", "en": "Finance"}, "hr": {"zh": "人力资源部", "en": "HR"}},
                     "people": [{"login": "f1", "name": "甲", "unit": "finance"}]})


def directive():
    return parse_definition((definitions_dir() / "directive.yaml").read_text(encoding="utf-8"), "directive.yaml")


def test_a_lead_that_also_co_handles_and_a_past_due_are_refused():
    with pytest.raises(InputError) as e:
        check_assignment(Holder(unit="finance"), ["hr", "finance"], TODAY, TODAY)
    assert e.value.field == "co" and "主办单位不能同时是协办单位" in e.value.zh
    with pytest.raises(InputError) as e:
        check_assignment(Holder(unit="finance"), [], date(2026, 3, 1), TODAY, due_field="due")
    assert e.value.field == "due" and e.value.en == "due: the due date cannot be in the past"
    check_assignment(Holder(person="f1"), ["finance"], TODAY, TODAY)  # a person may lead with their unit co-handling
    check_assignment(None, [], None, TODAY)


def test_a_subject_is_checked_as_the_assign_step_will_propose_it():
    subject = {"lead_unit": "finance", "co_units": ["finance"], "due": date(2026, 3, 20)}
    with pytest.raises(InputError) as e:
        check_proposal(directive(), subject, ORG, TODAY)
    assert e.value.field == "co_units"
    with pytest.raises(InputError) as e:
        check_proposal(directive(), {**subject, "co_units": ["hr"], "due": date(2026, 2, 27)}, ORG, TODAY)
    assert e.value.field == "due"
    check_proposal(directive(), {**subject, "co_units": ["hr"]}, ORG, TODAY)
    check_proposal(directive(), {"title": "t"}, ORG, TODAY)  # nothing proposed yet: nothing to refuse
