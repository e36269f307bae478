"""API test helpers: bearer clients for each role, real rows through the real services."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import create_token
from bilan.models import BilanStatus
from tests.bilan import builders
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def bearer(user, **headers) -> APIClient:
    """An API client that authenticates with a fresh token of `user`."""
    _token, raw = create_token(user, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)
    client.raw_token = raw
    return client


def link_portal_user(side, beneficiary):
    """Give a beneficiary a portal account (what the portal invitation does)."""
    user = UserFactory(email=beneficiary.email)
    with side.scope():
        beneficiary.user = user
        beneficiary.save(update_fields=["user"])
    return user


@pytest.fixture
def bilan_a(side_a):
    """A bilan of organisation A in investigation, assigned to A's consultant."""
    return builders.bilan(side_a, status=BilanStatus.INVESTIGATION)


@pytest.fixture
def other_consultant_a(side_a):
    """A consultant of organisation A who is not assigned to bilan_a."""
    user = UserFactory(email="autre-consultant@alpha.test")
    MembershipFactory(organisation=side_a.organisation, user=user)
    return user


@pytest.fixture
def beneficiary_user_a(side_a, bilan_a):
    return link_portal_user(side_a, bilan_a.beneficiary)
