"""Follow-up links are core.tokens single-use tokens: the links already sent keep working."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from core.tokens import hash_token, new_token
from suivi import services
from suivi.models import AccessLink, LinkPurpose
from tests.migrations import migrate
from tests.suivi.helpers import delivered_bilan, follow_up_of

BEFORE_THE_BASE = ("suivi", "0002_booking_sequence")


@pytest.mark.django_db(transaction=True)
def test_a_link_sent_before_the_token_base_still_opens_and_is_spent_once(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    executor = migrate([BEFORE_THE_BASE])
    try:
        old_model = executor.loader.project_state(BEFORE_THE_BASE).apps.get_model(
            "suivi", "AccessLink"
        )
        secret, digest = new_token(nbytes=24)
        old = old_model.objects.create(
            organisation_id=fu.organisation_id,
            follow_up_id=fu.pk,
            purpose=LinkPurpose.ACCESS,
            secret_hash=digest,
            expires_at=timezone.now() + timedelta(days=60),
        )
    finally:
        migrate()
    token = signing.dumps({"l": str(old.pk), "s": secret}, salt=services.LINK_SALT)

    link = services.resolve_link(token)
    assert (link.pk, link.follow_up_id, link.token_hash) == (old.pk, fu.pk, digest)
    assert services.spend_link(link) is True
    assert services.spend_link(link) is False
    with pytest.raises(services.LinkError) as error:
        services.resolve_link(token)
    assert error.value.code == "used"


def test_a_new_link_stores_only_the_hash_of_its_secret(side_a):
    bilan, _ = delivered_bilan(side_a)
    fu = follow_up_of(side_a, bilan)
    with side_a.scope():
        token = services.issue_link(fu, LinkPurpose.DECLINE)
    secret = signing.loads(token, salt=services.LINK_SALT)["s"]
    link = AccessLink.objects.unscoped().get()
    assert link.token_hash == hash_token(secret) != secret
    assert (link.purpose, link.used_at) == (LinkPurpose.DECLINE, None)
    assert timedelta(days=59) < link.expires_at - timezone.now() <= timedelta(days=60)
