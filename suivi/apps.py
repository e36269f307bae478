from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from bilan.signals import synthesis_delivered


class SuiviConfig(AppConfig):
    name = "suivi"
    verbose_name = _("Suivi post-bilan")

    def ready(self) -> None:
        # Imported here: receivers use the models, which are not loaded when apps.py is read.
        from suivi import receivers

        synthesis_delivered.connect(
            receivers.plan_follow_up_on_delivery,
            dispatch_uid="suivi.plan_follow_up_on_delivery",
        )
