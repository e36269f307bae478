"""Which bilan or beneficiary a member may open (members only: accounts.decorators.
member_required), as bilan/rules.py says. Anything else is a 404, so that an id never tells
whether it exists."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from bilan.models import Beneficiary, Bilan
from bilan.rules import visible_beneficiaries, visible_bilans


def get_bilan(request: HttpRequest, bilan_id) -> Bilan:
    qs = visible_bilans(request.user).select_related("beneficiary", "organisation")
    bilan = qs.filter(pk=bilan_id).first()
    if bilan is None:
        raise Http404
    return bilan


def get_beneficiary(request: HttpRequest, beneficiary_id) -> Beneficiary:
    beneficiary = visible_beneficiaries(request.user).filter(pk=beneficiary_id).first()
    if beneficiary is None:
        raise Http404
    return beneficiary
