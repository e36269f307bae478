"""Who may open what: members only, and among them the bilan's consultants (or an admin).
Anything else is a 404, so that an id never tells whether it exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from bilan.models import Beneficiary, Bilan
from bilan.services import beneficiaries_for, bilans_for


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in and working for an organisation (beneficiaries and platform staff: 404)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


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
