from __future__ import annotations

import pytest

from accounts.models import Role
from tests.conftest import Side
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def colleague(side_a: Side):
    """Another consultant of organisation A, not assigned to the bilans under test."""
    user = UserFactory(email="collegue@alpha.test")
    MembershipFactory(organisation=side_a.organisation, user=user, role=Role.CONSULTANT)
    return user
