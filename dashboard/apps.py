from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The consultant's pages that read several apps: the portfolio and the Suivis overview."""

    name = "dashboard"
    verbose_name = _("Tableau de bord")
