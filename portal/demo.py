"""Demo data for the portal (called by `manage.py seed_demo`, after bilan and suivi).
Idempotent: the demo beneficiary of each organisation gets one share of their synthesis with a
CEP operator and one handled data request, once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organisation
from bilan.models import Beneficiary, Synthesis
from core.tenancy import organisation_scope
from portal.models import (
    DataRequest,
    DataRequestKind,
    DataRequestStatus,
    SharePurpose,
    SynthesisShare,
)


def seed(organisations: dict[str, Organisation], stdout=None) -> None:
    for slug, organisation in organisations.items():
        with organisation_scope(organisation):
            beneficiary = Beneficiary.objects.filter(email=f"beneficiaire@{slug}.test").first()
            if beneficiary is None or beneficiary.user_id is None:
                continue
            synthesis = (
                Synthesis.objects.filter(bilan__beneficiary=beneficiary, delivered_at__isnull=False)
                .order_by("-delivered_at")
                .first()
            )
            if (
                synthesis is not None
                and not SynthesisShare.objects.filter(synthesis=synthesis).exists()
            ):
                SynthesisShare.issue(  # the demo link itself is never sent
                    valid_for=timedelta(days=30),
                    organisation=organisation,
                    synthesis=synthesis,
                    recipient_name="Sophie Lambert",
                    recipient_email=f"cep@{slug}.test",
                    purpose=SharePurpose.CEP,
                    created_by=beneficiary.user,
                )
            if not DataRequest.objects.filter(beneficiary=beneficiary).exists():
                DataRequest.objects.create(
                    organisation=organisation,
                    beneficiary=beneficiary,
                    kind=DataRequestKind.CORRECTION,
                    details="Mon numéro de téléphone a changé : 06 98 76 54 32.",
                    status=DataRequestStatus.DONE,
                    response="C'est corrigé dans votre dossier.",
                    handled_at=timezone.now(),
                )
    if stdout is not None:
        stdout.write("Portal demo data ready.")
