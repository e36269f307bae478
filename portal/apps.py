from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portail des bénéficiaires")

    def ready(self) -> None:
        from bilan.panels import register_beneficiary_panel
        from portal.panels import access_panel

        register_beneficiary_panel(access_panel)
