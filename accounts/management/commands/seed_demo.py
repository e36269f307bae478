from importlib import import_module

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, PLATFORM_STAFF, STAFF, seed_accounts

# Each app that has demo data offers `<app>.demo.seed(organisations, stdout)`; order matters.
APP_SEEDERS = ["bilan.demo", "suivi.demo", "portal.demo"]


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations, accounts and data. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        organisations = seed_accounts()
        for module_name in APP_SEEDERS:
            try:
                module = import_module(module_name)
            except ModuleNotFoundError as error:
                if error.name != module_name:
                    raise
                continue
            module.seed(organisations, self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready for {len(organisations)} organisations.")
        )
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for email in [
            *STAFF,
            PLATFORM_STAFF,
            "beneficiaire@cap-avenir.test",
            "beneficiaire@horizon-bilans.test",
        ]:
            self.stdout.write(f"  {email}")
