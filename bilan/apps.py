from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BilanConfig(AppConfig):
    name = "bilan"
    verbose_name = _("Bilans de compétences")
