"""Rows stored before the emailed-token base keep working after its migrations: a pending
invitation still opens (and an accepted one stays spent), an API token still authenticates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as accounts_services
from accounts.models import Invitation, Role
from api.models import ApiToken
from core.tokens import new_token
from tests.migrations import migrate

BEFORE_THE_BASE = [
    ("accounts", "0002_organisation_admins_read_syntheses_and_more"),
    ("api", "0001_initial"),
]


def _store_old_rows(executor: MigrationExecutor, side) -> dict[str, str]:
    """Rows written with the old column names (accepted_at, key_hash); their raw secrets."""
    old = executor.loader.project_state(BEFORE_THE_BASE).apps
    old_invitation = old.get_model("accounts", "Invitation")
    old_token = old.get_model("api", "ApiToken")
    week = timezone.now() + timedelta(days=7)
    raws = {}
    for name, accepted_at in (("pending", None), ("accepted", timezone.now())):
        raws[name], digest = new_token()
        old_invitation.objects.create(
            organisation_id=side.organisation.pk,
            email=f"{name}@example.test",
            role=Role.CONSULTANT,
            token_hash=digest,
            expires_at=week,
            accepted_at=accepted_at,
        )
    raws["api"], digest = new_token(prefix="psl_")
    old_token.objects.create(
        user_id=side.consultant.pk,
        name="avant",
        key_hash=digest,
        key_prefix=raws["api"][:10],
        expires_at=week,
    )
    return raws


@pytest.mark.django_db(transaction=True)
def test_invitations_and_api_tokens_stored_before_the_base_keep_working(side_a):
    executor = migrate(BEFORE_THE_BASE)
    try:
        raws = _store_old_rows(executor, side_a)
    finally:
        migrate()

    assert Invitation.find(raws["accepted"]) is None
    assert Invitation.matching(raws["accepted"]).get().used_at is not None
    membership = accounts_services.accept_invitation(
        raws["pending"], password="un-mot-de-passe-solide-42", first_name="Ana"
    )
    assert membership.organisation == side_a.organisation
    assert Invitation.find(raws["pending"]) is None  # spent

    assert ApiToken.find(raws["api"]).user == side_a.consultant
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raws['api']}")
    assert client.get(reverse("api-me")).status_code == 200
