"""The beneficiary's own rows, looked up by id for the portal's pages.

The portal's pages act as the signed-in beneficiary (portal.views.access), so bilan/rules.py's
`visible_bilans` are their own bilans; anyone who is not acting as a beneficiary (a member, a
visitor) has no own rows here.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from bilan.models import Action, Beneficiary, Bilan, Synthesis
from bilan.rules import beneficiary_in_scope, visible_bilans
from portal.models import SynthesisShare


def beneficiary_of(user: User) -> Beneficiary | None:
    """The beneficiary record behind a portal account (None for staff and consultants): the
    person the portal's pages act as, in that record's organisation."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "beneficiary_profile", None)


def _own_bilans(user: User) -> QuerySet[Bilan]:
    if beneficiary_in_scope(user) is None:
        return Bilan.objects.none()
    return visible_bilans(user)


def own_bilan(user: User, bilan_id) -> Bilan | None:
    return _own_bilans(user).select_related("beneficiary").filter(pk=bilan_id).first()


def own_action(user: User, action_id) -> Action | None:
    return (
        Action.objects.filter(plan__bilan__in=_own_bilans(user), pk=action_id)
        .select_related("plan__bilan")
        .first()
    )


def own_share(user: User, share_id) -> SynthesisShare | None:
    return (
        SynthesisShare.objects.filter(synthesis__bilan__in=_own_bilans(user), pk=share_id)
        .select_related("synthesis__bilan")
        .first()
    )


def delivered_synthesis(bilan: Bilan) -> Synthesis | None:
    """The synthesis once it has been handed over; a draft is not the beneficiary's to see."""
    synthesis = Synthesis.objects.filter(bilan=bilan, delivered_at__isnull=False).first()
    return synthesis
