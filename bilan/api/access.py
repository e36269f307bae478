"""Who sees which rows through the bilan API, and the base of the viewsets under a bilan.

The organisation scope is owned by api.viewsets.ScopedViewSet; within it, these say which
beneficiaries and bilans a person may see. A bilan named in the URL that the person may not
see is a 404, resolved before any permission check.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from rest_framework.permissions import IsAuthenticated

from accounts.models import User
from api.permissions import RolePermission
from api.viewsets import ApiContext, ScopedViewSet
from bilan import services
from bilan.models import Beneficiary, Bilan

PERMISSIONS = [IsAuthenticated, RolePermission]


def visible_bilans(api: ApiContext, user: User) -> QuerySet[Bilan]:
    """The bilans this person may see: a beneficiary their own, a member `bilans_for`."""
    if api.is_beneficiary:
        return Bilan.objects.filter(beneficiary=api.beneficiary)
    return services.bilans_for(user)


def visible_beneficiaries(api: ApiContext, user: User) -> QuerySet[Beneficiary]:
    """The beneficiaries this person may see: a beneficiary themself, a member
    `beneficiaries_for`."""
    if api.is_beneficiary:
        return Beneficiary.objects.filter(pk=api.beneficiary.pk)
    return services.beneficiaries_for(user)


class BilanChildViewSet(ScopedViewSet):
    """Viewsets under /bilans/<bilan_id>/: the bilan must be one the person may see."""

    bilan: Bilan

    def resolve_parents(self) -> None:
        self.bilan = get_object_or_404(
            visible_bilans(self.api, self.actor).select_related("beneficiary", "organisation"),
            pk=self.kwargs["bilan_id"],
        )

    def is_assigned(self) -> bool:
        """Whether the person asking is one of the bilan's consultants."""
        return self.bilan.consultants.filter(pk=self.actor.pk).exists()
