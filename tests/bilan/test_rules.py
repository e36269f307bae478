"""bilan/rules.py: who sees which beneficiaries and bilans, who reads and writes a synthesis.

Each person is asked about twice: in a bare organisation scope (tasks, tests: the role is looked
up) and in a scope that acts as them (what the middleware and the API set: no query)."""

from __future__ import annotations

import pytest
import rules

from accounts.models import Membership
from accounts.rules import membership_in_scope
from bilan.models import BilanStatus
from bilan.rules import beneficiary_in_scope, visible_beneficiaries, visible_bilans
from core.tenancy import organisation_scope
from tests.api.conftest import link_portal_user
from tests.bilan import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(side_a, side_b, colleague):
    """A's consultant's bilan (with a portal account), a colleague's bilan, and one of B's."""
    mine = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    theirs = builders.bilan(side_a, consultants=[colleague])
    foreign = builders.bilan(side_b)
    person = link_portal_user(side_a, mine.beneficiary)
    return {"mine": mine, "theirs": theirs, "foreign": foreign, "person": person}


def ids(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("acting", [False, True], ids=["bare scope", "acting scope"])
def test_who_sees_which_bilans_and_beneficiaries(side_a, side_b, colleague, world, acting):
    mine, theirs = world["mine"], world["theirs"]
    expected = {
        side_a.admin: {mine.pk, theirs.pk},
        side_a.consultant: {mine.pk},
        colleague: {theirs.pk},
        world["person"]: {mine.pk},
        side_b.admin: set(),  # another organisation's member has no role here
    }
    for user, bilans in expected.items():
        scope = side_a.acting_as(user) if acting and user != side_b.admin else side_a.scope()
        with scope:
            assert ids(visible_bilans(user)) == bilans, user
            people = {b.beneficiary_id for b in (mine, theirs) if b.pk in bilans}
            assert ids(visible_beneficiaries(user)) == people, user
            # The named rules agree with the lists, row by row.
            for bilan in (mine, theirs):
                assert rules.test_rule("bilan.see_bilan", user, bilan) == (bilan.pk in bilans)
                assert rules.test_rule("bilan.see_beneficiary", user, bilan.beneficiary) == (
                    bilan.beneficiary_id in people
                )
                assert rules.test_rule("bilan.manage_beneficiary", user, bilan.beneficiary) == (
                    bilan.beneficiary_id in people and user != world["person"]
                )


def test_nobody_has_a_role_without_a_scope(side_a, world, platform_staff):
    for user in (side_a.admin, side_a.consultant, world["person"], platform_staff):
        assert membership_in_scope(user) is None
        assert beneficiary_in_scope(user) is None
        assert not rules.test_rule("bilan.see_bilan", user, world["mine"])
    with side_a.scope():
        assert ids(visible_bilans(platform_staff)) == set()


def test_a_consultant_sees_the_person_they_entered_until_a_bilan_is_assigned(side_a, colleague):
    person = builders.beneficiary(side_a)  # entered by A's consultant
    with side_a.scope():
        assert ids(visible_beneficiaries(side_a.consultant)) == {person.pk}
        assert ids(visible_beneficiaries(colleague)) == set()
    # The admin opens the bilan for the colleague: the person goes with it.
    bilan = builders.bilan(side_a, beneficiary=person, consultants=[colleague])
    with side_a.scope():
        assert ids(visible_beneficiaries(side_a.consultant)) == set()
        assert ids(visible_beneficiaries(colleague)) == {person.pk}
        assert not rules.test_rule("bilan.see_beneficiary", side_a.consultant, person)
        # ... and so does the bilan when it is handed back.
        bilan.consultants.set([side_a.consultant])
        assert ids(visible_beneficiaries(side_a.consultant)) == {person.pk}
        assert ids(visible_beneficiaries(colleague)) == set()


@pytest.mark.parametrize("acting", [False, True], ids=["bare scope", "acting scope"])
def test_who_reads_and_writes_a_synthesis(side_a, colleague, world, acting):
    bilan = world["mine"]

    def may(rule, user):
        with side_a.acting_as(user) if acting else side_a.scope():
            return rules.test_rule(rule, user, bilan)

    assert may("bilan.read_synthesis", side_a.consultant)
    assert may("bilan.write_synthesis", side_a.consultant)
    assert may("bilan.read_synthesis", world["person"])
    assert not may("bilan.write_synthesis", world["person"])
    for outsider in (colleague, side_a.admin):
        assert not may("bilan.read_synthesis", outsider)
        assert not may("bilan.write_synthesis", outsider)
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    with side_a.scope():
        bilan.refresh_from_db()
    assert may("bilan.read_synthesis", side_a.admin)
    assert not may("bilan.write_synthesis", side_a.admin)
    assert not may("bilan.read_synthesis", colleague)


def test_admins_alone_reassign_and_grant_overrides(side_a, colleague, world):
    bilan = world["mine"]
    with side_a.scope():
        for rule in ("bilan.assign_consultants", "bilan.grant_hours_override"):
            assert rules.test_rule(rule, side_a.admin, bilan)
            assert not rules.test_rule(rule, side_a.consultant, bilan)
            assert not rules.test_rule(rule, world["person"], bilan)
        assert rules.test_rule("bilan.work_on_bilan", side_a.admin, bilan)
        assert rules.test_rule("bilan.work_on_bilan", side_a.consultant, bilan)
        assert not rules.test_rule("bilan.work_on_bilan", colleague, bilan)
        assert not rules.test_rule("bilan.work_on_bilan", world["person"], bilan)


def test_the_acting_scope_answers_without_a_query(side_a, world, django_assert_num_queries):
    with side_a.acting_as(side_a.consultant), django_assert_num_queries(0):
        assert membership_in_scope(side_a.consultant).role == "consultant"
        assert beneficiary_in_scope(side_a.consultant) is None
    with side_a.acting_as(world["person"]), django_assert_num_queries(0):
        assert membership_in_scope(world["person"]) is None
        assert beneficiary_in_scope(world["person"]) == world["mine"].beneficiary


def test_a_member_acting_as_a_beneficiary_is_only_that(side_a, world):
    """A consultant who is also a beneficiary of the organisation: the portal acts as the
    beneficiary, and then sees no bilan of their portfolio, only their own."""
    person = world["person"]
    with side_a.scope():
        Membership.objects.create(user=person)
        assert ids(visible_bilans(person)) == set()  # a member with no bilan assigned
    with organisation_scope(side_a.organisation, beneficiary=person.beneficiary_profile):
        assert ids(visible_bilans(person)) == {world["mine"].pk}
        assert membership_in_scope(person) is None
