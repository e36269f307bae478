from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: the organisation scope, emailed tokens, mail, working days."""

    name = "core"
    verbose_name = _("Socle commun")
