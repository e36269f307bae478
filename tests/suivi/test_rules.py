"""suivi/rules.py: who sees a follow-up, who acts on it, who answers it, whose slots."""

from __future__ import annotations

from datetime import timedelta

import pytest
import rules
from django.utils import timezone

from accounts.models import Role
from suivi.rules import visible_follow_ups
from tests.api.conftest import link_portal_user
from tests.factories import MembershipFactory, UserFactory
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague(side_a):
    user = UserFactory(email="collegue@alpha.test")
    MembershipFactory(organisation=side_a.organisation, user=user, role=Role.CONSULTANT)
    return user


@pytest.mark.parametrize("acting", [False, True], ids=["bare scope", "acting scope"])
def test_who_sees_acts_on_and_answers_a_follow_up(side_a, side_b, colleague, acting):
    mine = follow_up_of(side_a, delivered_bilan(side_a)[0])
    theirs = follow_up_of(side_a, delivered_bilan(side_a, consultant=colleague)[0])
    follow_up_of(side_b, delivered_bilan(side_b)[0])
    person = link_portal_user(side_a, mine.bilan.beneficiary)
    other_person = link_portal_user(side_a, theirs.bilan.beneficiary)
    expected = {  # user -> (sees, acts on, answers)
        side_a.admin: ({mine, theirs}, {mine, theirs}, set()),
        side_a.consultant: ({mine}, {mine}, set()),
        colleague: ({theirs}, {theirs}, set()),
        person: ({mine}, set(), {mine}),
        other_person: ({theirs}, set(), {theirs}),
        side_b.consultant: (set(), set(), set()),
    }
    for user, (sees, acts, answers) in expected.items():
        in_a = user is not side_b.consultant
        with side_a.acting_as(user) if acting and in_a else side_a.scope():
            assert set(visible_follow_ups(user)) == sees, user
            for follow_up in (mine, theirs):
                assert rules.test_rule("suivi.see_follow_up", user, follow_up) == (
                    follow_up in sees
                )
                assert rules.test_rule("suivi.act_on_follow_up", user, follow_up) == (
                    follow_up in acts
                )
                assert rules.test_rule("suivi.answer_follow_up", user, follow_up) == (
                    follow_up in answers
                )


def test_the_lead_consultant_of_another_bilan_acts_on_it(side_a, colleague):
    """A follow-up led by a colleague (the bilan's consultant left it to them)."""
    bilan, _ = delivered_bilan(side_a)
    follow_up = follow_up_of(side_a, bilan)
    with side_a.scope():
        follow_up.consultant = colleague
        follow_up.save(update_fields=["consultant"])
        assert rules.test_rule("suivi.act_on_follow_up", colleague, follow_up)
        assert rules.test_rule("suivi.act_on_follow_up", side_a.consultant, follow_up)
        assert set(visible_follow_ups(colleague)) == {follow_up}


def test_a_consultant_deletes_only_their_own_slots(side_a, colleague):
    slot = make_slot(side_a, timezone.now() + timedelta(days=3))
    with side_a.scope():
        assert rules.test_rule("suivi.delete_slot", side_a.consultant, slot)
        assert not rules.test_rule("suivi.delete_slot", colleague, slot)
        assert not rules.test_rule("suivi.delete_slot", side_a.admin, slot)
