"""Isolation-walk makers for the portal's URL identifiers (see tests/isolation.py), and the
other side's beneficiary, so the walk tries every URL as a beneficiary of organisation B too."""

from __future__ import annotations

from portal.models import SynthesisShare
from tests.isolation import OBJECT_MAKERS, OTHER_SIDE_USERS, maker
from tests.portal.helpers import make_person, now_plus


def _delivered_person(side, context: dict):
    """One delivered bilan of organisation A per URL, shared by the URL's makers."""
    if "portal_person" not in context:
        person = make_person(side, first_name="Walkerine", stage="delivered")
        context["portal_person"] = person
        context.setdefault("markers", []).append(person.beneficiary.last_name)
    return context["portal_person"]


@maker("share_id")
def make_share(side, context: dict) -> str:
    person = _delivered_person(side, context)
    with side.scope():
        share = SynthesisShare.objects.create(
            organisation=side.organisation,
            synthesis=person.synthesis,
            recipient_name="Destinataire Marqueur-Partage",
            recipient_email="cep@example.test",
            purpose="cep",
            token_hash=f"walk-{person.bilan.pk.hex}",
            created_by=person.user,
            expires_at=now_plus(days=30),
        )
    context.setdefault("markers", []).append("Marqueur-Partage")
    return str(share.pk)


# Shared keywords: the bilan app registers its own makers (imported first); these are only
# fallbacks so the portal's URLs can be walked on their own.
if "bilan_id" not in OBJECT_MAKERS:

    @maker("bilan_id")
    def make_bilan(side, context: dict) -> str:
        if "bilan" in context:
            return str(context["bilan"].pk)
        return str(_delivered_person(side, context).bilan.pk)


if "beneficiary_id" not in OBJECT_MAKERS:

    @maker("beneficiary_id")
    def make_beneficiary(side, context: dict) -> str:
        if "bilan" in context:
            return str(context["bilan"].beneficiary_id)
        return str(_delivered_person(side, context).beneficiary.pk)


if "action_id" not in OBJECT_MAKERS:

    @maker("action_id")
    def make_action(side, context: dict) -> str:
        return str(_delivered_person(side, context).action.pk)


def make_beneficiary_user(side):
    """A beneficiary of the other organisation, signed in to their own portal."""
    return make_person(side, first_name="Bérénice", stage="delivered").user


OTHER_SIDE_USERS["beneficiary"] = make_beneficiary_user


# --- Django admin walk (tests/admin_makers.py) -----------------------------------------------


def admin_data_request(side):
    from portal.models import DataRequest

    person = make_person(side, first_name="Adèle", stage="preliminary")
    with side.scope():
        return DataRequest.objects.create(
            organisation=side.organisation,
            beneficiary=person.beneficiary,
            kind="correction",
            details="Mon adresse a changé.",
        )


def admin_portal_invitation(side):
    from core.tokens import new_token
    from portal.models import PortalInvitation

    person = make_person(side, first_name="Ivan", stage="preliminary", with_user=False)
    _raw, digest = new_token()
    with side.scope():
        return PortalInvitation.objects.create(
            organisation=side.organisation,
            beneficiary=person.beneficiary,
            email=person.beneficiary.email,
            token_hash=digest,
            invited_by=side.consultant,
            expires_at=now_plus(days=7),
        )


def admin_synthesis_share(side):
    from core.tokens import new_token

    person = make_person(side, first_name="Sacha", stage="delivered")
    _raw, digest = new_token()
    with side.scope():
        return SynthesisShare.objects.create(
            organisation=side.organisation,
            synthesis=person.synthesis,
            recipient_name="Destinataire Admin",
            recipient_email="destinataire@example.test",
            purpose="other",
            token_hash=digest,
            created_by=person.user,
            expires_at=now_plus(days=30),
        )
