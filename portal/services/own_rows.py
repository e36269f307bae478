"""What a beneficiary may see: their own rows only (everything else is a 404 in the views),
and the beneficiaries a member may invite to the portal."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Role, User
from bilan.models import Action, Beneficiary, Bilan, Synthesis
from portal.models import SynthesisShare


def beneficiary_of(user: User) -> Beneficiary | None:
    """The beneficiary record behind a portal account (None for staff and consultants)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "beneficiary_profile", None)


def own_bilans(user: User) -> QuerySet[Bilan]:
    """The bilans of the signed-in beneficiary, inside the current organisation scope."""
    if beneficiary_of(user) is None:
        return Bilan.objects.none()
    return Bilan.objects.filter(beneficiary__user=user)


def own_bilan(user: User, bilan_id) -> Bilan | None:
    return own_bilans(user).select_related("beneficiary").filter(pk=bilan_id).first()


def own_action(user: User, action_id) -> Action | None:
    if beneficiary_of(user) is None:
        return None
    return (
        Action.objects.filter(plan__bilan__beneficiary__user=user, pk=action_id)
        .select_related("plan__bilan")
        .first()
    )


def own_share(user: User, share_id) -> SynthesisShare | None:
    if beneficiary_of(user) is None:
        return None
    return (
        SynthesisShare.objects.filter(synthesis__bilan__beneficiary__user=user, pk=share_id)
        .select_related("synthesis__bilan")
        .first()
    )


def delivered_synthesis(bilan: Bilan) -> Synthesis | None:
    """The synthesis once it has been handed over; a draft is not the beneficiary's to see."""
    synthesis = Synthesis.objects.filter(bilan=bilan, delivered_at__isnull=False).first()
    return synthesis


def beneficiaries_for(user: User) -> QuerySet[Beneficiary]:
    """The beneficiaries a member may invite: all for an admin, those of their bilans otherwise."""
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return Beneficiary.objects.none()
    if membership.role == Role.ADMIN:
        return Beneficiary.objects.all()
    return Beneficiary.objects.filter(bilans__consultants=user).distinct()
