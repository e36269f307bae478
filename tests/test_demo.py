"""`manage.py seed_demo`: every app's demo module is found (accounts names none of them), and a
second run changes nothing."""

import io

import pytest
from django.core.management import call_command

from accounts.management.commands.seed_demo import app_seeders
from accounts.models import Organisation
from bilan.models import Bilan, BilanStatus
from core.tenancy import organisation_scope
from suivi.models import FollowUp

pytestmark = pytest.mark.django_db


def test_the_seeders_follow_the_layers():
    modules = [seed.__module__ for seed in app_seeders()]
    assert modules == ["bilan.demo", "suivi.demo", "portal.demo"]


def test_seed_demo_is_idempotent_and_fills_every_phase():
    call_command("seed_demo", stdout=io.StringIO())
    counts = {}
    for organisation in Organisation.objects.all():
        with organisation_scope(organisation):
            statuses = set(Bilan.objects.values_list("status", flat=True))
            assert set(BilanStatus.values) <= statuses, organisation.slug
            counts[organisation.slug] = (Bilan.objects.count(), FollowUp.objects.count())
    assert set(counts) == {"cap-avenir", "horizon-bilans"}
    call_command("seed_demo", stdout=io.StringIO())
    for organisation in Organisation.objects.all():
        with organisation_scope(organisation):
            assert (Bilan.objects.count(), FollowUp.objects.count()) == counts[organisation.slug]
