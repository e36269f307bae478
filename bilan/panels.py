"""Extension points of the consultant's pages for the apps above bilan, which bilan may not
import. An app registers a panel in its AppConfig.ready(); bilan's page shows whatever is
registered, in order, and nothing when no app adds one. Today portal adds the beneficiary's
portal access (account state and the invitation button) to the beneficiary's page."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from bilan.models import Beneficiary, Bilan

#: A panel of the beneficiary's page: given the request, the beneficiary and the bilans the
#: member sees for them, the HTML to add at the end of the page's "Coordonnées et situation"
#: section (a short block under its own <h3>), or "" to show nothing. Rendered HTML
#: (render_to_string) is shown as is; a plain str is escaped.
BeneficiaryPanel = Callable[[HttpRequest, Beneficiary, QuerySet[Bilan]], SafeString | str]

_beneficiary_panels: list[BeneficiaryPanel] = []


def register_beneficiary_panel(panel: BeneficiaryPanel) -> BeneficiaryPanel:
    """Add a panel to the beneficiary's page (once, however often ready() runs)."""
    if panel not in _beneficiary_panels:
        _beneficiary_panels.append(panel)
    return panel


def beneficiary_panels(
    request: HttpRequest, beneficiary: Beneficiary, bilans: QuerySet[Bilan]
) -> list[SafeString | str]:
    """The registered panels' HTML for this beneficiary, empty ones left out."""
    rendered = (panel(request, beneficiary, bilans) for panel in _beneficiary_panels)
    return [html for html in rendered if html]
