"""What portal adds to the consultant's pages through bilan's extension points (bilan/panels.py),
registered in PortalConfig.ready(): bilan shows them without knowing portal."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from bilan.models import Beneficiary, Bilan
from portal import services


def access_panel(
    request: HttpRequest, beneficiary: Beneficiary, bilans: QuerySet[Bilan]
) -> SafeString:
    """The beneficiary's portal account (active, invited, none) and the button that invites
    them, offered once the member sees one of their bilans."""
    return render_to_string(
        "portal/includes/access_panel.html",
        {
            "beneficiary": beneficiary,
            "bilans": bilans,
            "portal": services.portal_access(beneficiary),
        },
        request=request,
    )
