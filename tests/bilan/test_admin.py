"""The bilan's admin pages: the override recorded in the admin's name, no synthesis content."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bilan import services
from bilan.models import Beneficiary, Bilan, BilanStatus, Synthesis
from tests.bilan import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_admin(side_a):
    side_a.admin.is_staff = True
    side_a.admin.save()
    return side_a.admin


def test_admin_records_an_hours_override_in_their_name(client, side_a, org_admin):
    bilan = builders.bilan(side_a)
    client.force_login(org_admin)
    change = reverse("admin:bilan_bilan_change", args=[bilan.pk])
    form = client.get(change)
    assert form.status_code == 200
    assert "Dérogation au plafond de 24 heures" in form.content.decode()
    response = client.post(
        change,
        {
            "consultants": [str(side_a.consultant.pk)],
            "funding": "personal",
            "cpf_dossier_number": "",
            "cpf_registered_on": "",
            "goals": bilan.goals,
            "planned_hours": "24",
            "started_on": bilan.started_on.isoformat(),
            "hours_override_reason": "Situation de handicap",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with side_a.scope():
        bilan = Bilan.objects.get(pk=bilan.pk)
    assert bilan.hours_override_by == org_admin
    assert bilan.hours_override_reason == "Situation de handicap"


def test_admin_never_shows_the_synthesis_content(client, side_a, org_admin):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    with side_a.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
        synthesis = Synthesis.objects.get(bilan=bilan)
    client.force_login(org_admin)
    page = client.get(reverse("admin:bilan_synthesis_change", args=[synthesis.pk]))
    assert page.status_code == 200
    assert builders.SECTIONS["project"] not in page.content.decode()


def test_admin_reports_a_duplicate_beneficiary_email(client, side_a, org_admin):
    builders.beneficiary(side_a, email="doublon@exemple.fr")
    client.force_login(org_admin)
    response = client.post(
        reverse("admin:bilan_beneficiary_add"),
        {
            "first_name": "A",
            "last_name": "B",
            "email": "DOUBLON@exemple.fr",
            "employment_status": "cdi",
            "consent_given_on": "2026-01-05",
            "consent_method": "signed",
        },
    )
    assert response.status_code == 200
    assert "déjà enregistré(e) avec cette adresse" in response.content.decode()
    with side_a.scope():
        assert Beneficiary.objects.count() == 1
