from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, PLATFORM_STAFF, STAFF, seed_accounts


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisations, accounts and data. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        organisations = seed_accounts()
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready for {len(organisations)} organisations.")
        )
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for email in [*STAFF, PLATFORM_STAFF]:
            self.stdout.write(f"  {email}")
