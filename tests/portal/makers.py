"""Isolation-walk makers for the portal's URL identifiers (see tests/isolation.py), and the
other side's beneficiary, so the walk tries every URL as a beneficiary of organisation B too."""

from __future__ import annotations

from datetime import timedelta

from portal.models import SynthesisShare
from tests.isolation import OBJECT_MAKERS, OTHER_SIDE_USERS, SAME_SIDE_OUTSIDERS, maker
from tests.portal.helpers import make_person


def _delivered_person(side, context: dict):
    """One delivered bilan of organisation A per URL, shared by the URL's makers."""
    if "portal_person" not in context:
        person = make_person(side, first_name="Walkerine", stage="delivered")
        context["portal_person"] = person
        context.setdefault("markers", []).append(person.beneficiary.last_name)
    return context["portal_person"]


def _share(side, person, recipient_name: str) -> SynthesisShare:
    share, _raw = SynthesisShare.issue(
        valid_for=timedelta(days=30),
        organisation=side.organisation,
        synthesis=person.synthesis,
        recipient_name=recipient_name,
        recipient_email="cep@example.test",
        purpose="cep",
        created_by=person.user,
    )
    return share


@maker("share_id")
def make_share(side, context: dict) -> str:
    share = _share(side, _delivered_person(side, context), "Destinataire Marqueur-Partage")
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


def make_other_beneficiary_user(side):
    """Another beneficiary of the owning organisation, with their own delivered bilan."""
    return make_person(side, first_name="Octave", last_name="Horslot", stage="delivered").user


SAME_SIDE_OUTSIDERS["other beneficiary"] = make_other_beneficiary_user


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
    from portal.models import PortalInvitation

    person = make_person(side, first_name="Ivan", stage="preliminary", with_user=False)
    invitation, _raw = PortalInvitation.issue(
        valid_for=timedelta(days=7),
        organisation=side.organisation,
        beneficiary=person.beneficiary,
        email=person.beneficiary.email,
        invited_by=side.consultant,
    )
    return invitation


def admin_synthesis_share(side):
    return _share(side, make_person(side, first_name="Sacha", stage="delivered"), "Destinataire")
