from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from accounts.demo import DEMO_PASSWORD, PLATFORM_STAFF, STAFF, seed_accounts


def app_seeders():
    """Each installed app's `demo.seed(organisations, stdout)`, in INSTALLED_APPS order (which
    follows the layers: bilans before their follow-ups). Discovered like admin.py modules, so
    accounts names no app above it."""
    for config in apps.get_app_configs():
        if config.name != "accounts" and module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if hasattr(module, "seed"):
                yield module.seed


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations, accounts and data. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        organisations = seed_accounts()
        for seed in app_seeders():
            seed(organisations, self.stdout)
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
