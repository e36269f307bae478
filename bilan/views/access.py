"""Which bilan or beneficiary a member may open (members only: accounts.decorators.
member_required): the bilan's consultants, or an admin. Anything else is a 404, so that an id
never tells whether it exists."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from bilan.models import Beneficiary, Bilan
from bilan.services import beneficiaries_for, bilans_for


def get_bilan(request: HttpRequest, bilan_id) -> Bilan:
    qs = bilans_for(request.user).select_related("beneficiary", "organisation")
    bilan = qs.filter(pk=bilan_id).first()
    if bilan is None:
        raise Http404
    return bilan


def get_beneficiary(request: HttpRequest, beneficiary_id) -> Beneficiary:
    beneficiary = beneficiaries_for(request.user).filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise Http404
    return beneficiary


def is_admin(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.is_admin)
