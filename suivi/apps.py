from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuiviConfig(AppConfig):
    name = "suivi"
    verbose_name = _("Suivi post-bilan")
