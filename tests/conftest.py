"""Two organisations, each with an admin and a consultant (and, once the bilan app has them,
beneficiaries), so that every test can try the other side."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from accounts.models import Membership, Organisation, Role, User
from config.celery import app
from core.tenancy import organisation_scope
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@dataclass
class Side:
    """One organisation and its people."""

    organisation: Organisation
    admin: User
    consultant: User
    extra: dict = field(default_factory=dict)

    def scope(self):
        return organisation_scope(self.organisation)

    def acting_as(self, user):
        """The scope the web middleware enters for `user`: acting as their membership of this
        organisation, or else as its beneficiary they are."""
        with self.scope():
            membership = Membership.objects.filter(user=user).first()
        profile = None if membership else getattr(user, "beneficiary_profile", None)
        return organisation_scope(self.organisation, membership=membership, beneficiary=profile)


def make_side(slug: str, name: str) -> Side:
    organisation = OrganisationFactory(slug=slug, name=name)
    admin = UserFactory(email=f"admin@{slug}.test")
    consultant = UserFactory(email=f"consultant@{slug}.test")
    MembershipFactory(organisation=organisation, user=admin, role=Role.ADMIN)
    MembershipFactory(organisation=organisation, user=consultant, role=Role.CONSULTANT)
    return Side(organisation, admin, consultant)


@pytest.fixture
def side_a(db) -> Side:
    return make_side("alpha", "Alpha Bilans")


@pytest.fixture
def side_b(db) -> Side:
    return make_side("beta", "Beta Conseil")


@pytest.fixture
def platform_staff(db) -> User:
    return User.objects.create_superuser("staff@example.test", "staff-password-123")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def eager_celery(settings):
    """Event messages (booking confirmations...) are queued on commit: here the task runs in
    the test process, against Django's test mailbox. The integration tests use a real worker."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
