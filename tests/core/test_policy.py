"""Who may do what (engine.core.policy), on a small organisation built here, without a database: every role set
by what it lets each person do, and the one visibility rule for ordinary and confidential items."""
from __future__ import annotations

import pytest

from engine.core import policy
from engine.core.org import Holder
from engine.core.states import NotAllowed, Part

from tests.core.builders import actor, item, org, shipped, task

PEOPLE = ["admin", "leader", "office", "clerk", "auditor", "finance.head", "finance.staff1", "hr.head", "hr.staff1"]

#            may start directive, incoming_document, appraisal; supervise; calibrate; audit; administer
WHO = {
    "admin":          (True, True, True, True, True, True, True),
    "leader":         (True, False, False, True, True, False, False),
    "office":         (False, False, False, True, True, False, False),
    "clerk":          (True, True, False, True, False, False, False),
    "auditor":        (False, False, False, True, True, True, False),
    "finance.head":   (False, False, False, False, False, False, False),
    "finance.staff1": (False, False, False, False, False, False, False),
}


def allowed(check, who) -> bool:
    try:
        check(who)
    except NotAllowed:
        return False
    return True


@pytest.mark.parametrize("login", list(WHO))
def test_each_role_set_by_what_it_lets_a_person_do(login):
    a = actor(login)
    got = (policy.may_start(a, "directive"), policy.may_start(a, "incoming_document"),
           policy.may_start(a, "appraisal_quarterly"), policy.may_supervise(a), policy.may_calibrate(a),
           allowed(policy.require_auditor, a), allowed(policy.require_admin, a))
    assert got == WHO[login]
    assert allowed(policy.require_supervisor, a) == policy.may_supervise(a)


def test_a_refusal_names_the_roles_that_would_do():
    with pytest.raises(NotAllowed) as e:
        policy.require_admin(actor("clerk"))
    assert e.value.details == {"roles": ["admin"]}
    assert e.value.en == "only an administrator may do this"


def test_who_chases_a_task_they_do_not_hold_is_a_subset_of_the_supervisors():
    assert policy.CHASE_ROLES <= policy.SUPERVISE_ROLES
    assert policy.CHASE_ROLES == {"clerk", "leader", "office_director"}


# ------------------------------------------------------------------ can_see
DIRECTIVE = shipped("directive")


def handled_by_finance(initiator: str = "leader"):
    """An item the leader issued, led by the finance unit and handed by its head to a staff member."""
    return item(DIRECTIVE, [task("handle", Holder(unit="finance"), part=Part.lead, sender="office"),
                            task("handle", Holder(person="finance.staff1"), id=2, part=Part.lead,
                                 sender="finance.head")],
                initiator=initiator, assignment={"lead": {"unit": "finance"}, "co": []})


@pytest.mark.parametrize("login,ordinary,confidential", [
    ("leader", True, True),           # the initiator
    ("office", True, True),           # sent a task (the assignment)
    ("finance.head", True, True),     # the lead unit, and a sender
    ("finance.staff1", True, True),   # holds a task
    ("clerk", True, False),           # sees every ordinary item, not a confidential one it is not part of
    ("auditor", True, False),
    ("admin", True, False),
    ("hr.head", False, False),        # another unit, no part in it
    ("hr.staff1", False, False),
])
def test_one_visibility_rule(login, ordinary, confidential):
    o, it = org(), handled_by_finance()
    assert policy.can_see(o, actor(login, o), it, confidential=False) is ordinary
    assert policy.can_see(o, actor(login, o), it, confidential=True) is confidential


def test_colleagues_of_an_involved_person_see_ordinary_items_only():
    o = org()
    it = item(DIRECTIVE, [task("register", Holder(person="hr.staff1"))], initiator="clerk")
    assert policy.can_see(o, actor("hr.head", o), it, confidential=False)
    assert not policy.can_see(o, actor("hr.head", o), it, confidential=True)
    assert not policy.can_see(o, actor("finance.staff1", o), it, confidential=False)


def test_a_task_held_by_a_role_shows_the_item_to_that_role():
    o = org()
    it = item(DIRECTIVE, [task("register", Holder(role="unit_head"))], initiator="clerk")
    assert policy.can_see(o, actor("finance.head", o), it, confidential=True)
    assert not policy.can_see(o, actor("finance.staff1", o), it, confidential=True)
    assert policy.involved(it) == (set(), {"clerk"}, {"unit_head"})
