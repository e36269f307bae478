"""The base of the bilan API's viewsets under a bilan, and their permission classes.

The organisation scope is owned by api.viewsets.ScopedViewSet; within it, bilan/rules.py says
which beneficiaries and bilans a person may see. A bilan named in the URL that the person may
not see is a 404, resolved before any permission check.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.permissions import IsAuthenticated

from api.permissions import RolePermission
from api.viewsets import ScopedViewSet
from bilan.models import Bilan
from bilan.rules import visible_bilans

PERMISSIONS = [IsAuthenticated, RolePermission]


class BilanChildViewSet(ScopedViewSet):
    """Viewsets under /bilans/<bilan_id>/: the bilan must be one the person may see."""

    bilan: Bilan

    def resolve_parents(self) -> None:
        self.bilan = get_object_or_404(
            visible_bilans(self.actor).select_related("beneficiary", "organisation"),
            pk=self.kwargs["bilan_id"],
        )
