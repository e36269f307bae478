from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import MembershipFactory, UserFactory
from tests.portal.helpers import make_person


@pytest.fixture
def louise(side_a):
    """A beneficiary of organisation A with a portal account and a delivered synthesis."""
    return make_person(side_a, first_name="Louise", last_name="Garnier")


@pytest.fixture
def neighbour(side_a):
    """Another beneficiary of the same organisation, with their own delivered bilan."""
    return make_person(side_a, first_name="Nadia", last_name="Voisine")


@pytest.fixture
def foreigner(side_b):
    """A beneficiary of organisation B."""
    return make_person(side_b, first_name="Fabrice", last_name="Étranger")


@pytest.fixture
def colleague(side_a):
    """A consultant of organisation A who is not assigned to Louise's bilan."""
    user = UserFactory(email="collegue-portail@alpha.test")
    MembershipFactory(organisation=side_a.organisation, user=user, role=Role.CONSULTANT)
    return user
