"""Generate one organisation with N bilans (beneficiaries, meetings, syntheses) for benchmarks.

Usage: python bench/generate.py --bilans 100000 [--slug bench-org]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import _setup  # noqa: F401

from accounts.models import Organisation, Role, User
from accounts.services import add_membership
from bilan.models import Beneficiary, Bilan, BilanStatus, Funding, Meeting, Phase
from core.tenancy import organisation_scope

PARIS = ZoneInfo("Europe/Paris")
FIRST = ["Camille", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Zoé", "Noah", "Éva"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Lefèvre"]
STATUSES = list(BilanStatus.values)
PHASES = [Phase.PRELIMINARY, Phase.INVESTIGATION, Phase.CONCLUSION]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bilans", type=int, default=100_000)
    parser.add_argument("--slug", default="bench-org")
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(42)

    organisation, _ = Organisation.objects.get_or_create(
        slug=args.slug, defaults={"name": "Organisme de mesure"}
    )
    consultant, created = User.objects.get_or_create(email=f"consultant@{args.slug}.test")
    if created:
        consultant.set_password("passerelle-demo")
        consultant.save()
    add_membership(organisation, consultant, Role.CONSULTANT)

    started = time.monotonic()
    with organisation_scope(organisation):
        existing = Bilan.objects.count()
        print(f"{existing} bilans exist, creating {max(args.bilans - existing, 0)}")
        for offset in range(existing, args.bilans, args.batch):
            size = min(args.batch, args.bilans - offset)
            create_batch(organisation, consultant, range(offset, offset + size), rng, args.slug)
            print(f"  {offset + size} bilans ({time.monotonic() - started:.0f} s)")
    print(f"done in {time.monotonic() - started:.0f} s")


def create_batch(organisation, consultant, numbers: range, rng: random.Random, slug: str) -> None:
    """Beneficiaries, their bilans (assigned to the consultant) and three meetings each."""
    beneficiaries = Beneficiary.objects.bulk_create(
        Beneficiary(
            organisation=organisation,
            first_name=rng.choice(FIRST),
            last_name=f"{rng.choice(LAST)}-{n}",
            email=f"beneficiaire{n}@{slug}.test",
            employment_status="cdi",
            consent_given_on=date(2024, 1, 1),
            consent_method="signed",
        )
        for n in numbers
    )
    bilans = Bilan.objects.bulk_create(
        Bilan(
            organisation=organisation,
            beneficiary=b,
            status=rng.choice(STATUSES),
            funding=rng.choice(Funding.values),
            goals="Objectif",
            started_on=date(2023, 1, 1) + timedelta(days=rng.randrange(1400)),
        )
        for b in beneficiaries
    )
    through = Bilan.consultants.through
    through.objects.bulk_create(through(bilan_id=b.pk, user_id=consultant.pk) for b in bilans)
    Meeting.objects.bulk_create(
        Meeting(
            organisation=organisation,
            bilan=b,
            phase=PHASES[k],
            starts_at=datetime.combine(b.started_on, datetime.min.time(), PARIS)
            + timedelta(days=7 * k, hours=10),
            duration_minutes=rng.choice([60, 90, 120]),
            mode="in_person",
        )
        for b in bilans
        for k in range(3)
    )


if __name__ == "__main__":
    main()
