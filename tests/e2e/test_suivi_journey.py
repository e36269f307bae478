"""The suivi journey in Chromium: the beneficiary follows the emailed link, books a slot and
fills the check-in; the consultant reads it and records the follow-up interview (issue 4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from config.celery import app
from core.workdays import PARIS, next_working_day
from suivi import services
from suivi.models import FollowUpInterview, FollowUpState
from tests.e2e.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSWORD
from tests.suivi.helpers import delivered_bilan, follow_up_of, make_slot


@pytest.fixture
def eager_celery():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_beneficiary_books_and_prepares_consultant_records_the_interview(
    page, live_server, side_a, eager_celery, settings
):
    settings.SITE_URL = live_server.url
    bilan, _ = delivered_bilan(
        side_a,
        first_name="Camille",
        last_name="Parcours",
        delivered_at=timezone.now() - timedelta(days=170),
    )
    day = next_working_day(timezone.localdate() + timedelta(days=3))
    slot = make_slot(side_a, timezone.datetime(day.year, day.month, day.day, 14, 30, tzinfo=PARIS))
    make_slot(side_a, slot.starts_at + timedelta(hours=2))
    services.run_tick_in_process(timezone.now(), write=lambda line: None)
    [invitation] = mail.outbox
    access = re.findall(r"(http://\S+/suivi/lien/\S+/)", invitation.body)[0]

    # The beneficiary opens the link: a confirmation page first (prefetching changes nothing).
    page.goto(access)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre entretien de suivi")
    assert_accessible(page)
    page.get_by_role("button", name="Voir mon invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon entretien de suivi")
    screenshot(page, "suivi-01-invitation")
    assert_accessible(page)

    page.get_by_role("link", name="Choisir un créneau").click()
    expect(page.locator(".suivi-next")).to_contain_text("Prochaine disponibilité")
    label = re.compile(r"à 14:30, 60 minutes")
    page.get_by_label(label).check()
    page.get_by_label("Visio").check()
    screenshot(page, "suivi-02-creneaux")
    assert_accessible(page)
    page.get_by_role("button", name="Réserver ce créneau").click()
    expect(page.get_by_role("status")).to_contain_text("Votre rendez-vous est confirmé")
    expect(page.locator("main")).to_contain_text("14:30")
    expect(page.get_by_role("link", name="Ajouter à mon agenda")).to_be_visible()
    screenshot(page, "suivi-03-rendez-vous")
    assert follow_up_of(side_a, bilan).state == FollowUpState.BOOKED
    assert sorted(m.to[0] for m in mail.outbox[1:]) == sorted(
        [bilan.beneficiary.email, side_a.consultant.email]
    )

    page.get_by_role("link", name="Préparer mon entretien").click()
    page.get_by_label(re.compile("Où en est « Se renseigner")).select_option("done")
    page.get_by_label(re.compile("Où en est « Rencontrer")).select_option("in_progress")
    page.get_by_label("Les obstacles rencontrés").fill("Trouver un financement pour la formation.")
    page.get_by_label("L'aide dont vous auriez besoin").fill("Un contact à l'OPCO.")
    screenshot(page, "suivi-04-preparation")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer ma préparation").click()
    expect(page.get_by_role("status")).to_contain_text("Merci")

    # The consultant signs in, finds the follow-up and records the interview.
    page.context.clear_cookies()
    sign_in(page, live_server, side_a.consultant.email, PASSWORD)
    page.get_by_role("link", name="Suivis", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivis post-bilan")
    screenshot(page, "suivi-05-suivis")
    assert_accessible(page)
    page.get_by_role("link", name="Camille Parcours").first.click()
    expect(page.locator("main")).to_contain_text("Trouver un financement pour la formation.")
    expect(page.locator("main")).to_contain_text("Devenir formatrice")
    screenshot(page, "suivi-06-suivi")
    assert_accessible(page)
    page.get_by_role("link", name="Noter l'entretien").click()
    page.get_by_label("Résultats au regard des objectifs").fill("Titre FPA engagé.")
    page.get_by_label("Freins rencontrés").fill("Financement.")
    page.get_by_label("Leviers et ressources mobilisés").fill("OPCO, réseau.")
    page.get_by_label("Réajustement du projet").fill("Viser d'abord un CDD.")
    page.get_by_label("Prochaines étapes").fill("Deux candidatures par semaine.")
    page.get_by_label("Issue").select_option("in_progress")
    screenshot(page, "suivi-07-entretien")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer l'entretien").click()
    expect(page.get_by_role("status")).to_contain_text("L'entretien de suivi est enregistré")
    expect(page.locator("h1")).to_contain_text("Entretien réalisé")
    fu = follow_up_of(side_a, bilan)
    assert fu.state == FollowUpState.HELD
    assert FollowUpInterview.objects.unscoped().get(follow_up=fu).outcome == "in_progress"
    assert mail.outbox[-1].subject.startswith("Votre avis sur votre bilan")


def test_consultant_publishes_slots(page, live_server, side_a):
    sign_in(page, live_server, side_a.consultant.email, PASSWORD)
    page.goto(live_server.url + "/suivi/")
    page.get_by_role("link", name="Mes créneaux").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes créneaux de suivi")
    page.get_by_label("Date").fill("32/13/2030")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre formulaire contient une erreur")
    expect(page.get_by_label("Date")).to_have_value("32/13/2030")  # nothing typed is lost
    day = next_working_day(timezone.localdate() + timedelta(days=5))
    page.get_by_label("Date").fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Heure du premier créneau").fill("14:00")
    page.get_by_label("Nombre de créneaux à la suite").fill("3")
    page.get_by_role("button", name="Publier").click()
    expect(page.get_by_role("status")).to_contain_text("3 créneau(x) publié(s)")
    expect(page.locator("table.data tbody tr")).to_have_count(3)
    expect(page.locator("table.data")).to_contain_text("16:00")
    screenshot(page, "suivi-08-creneaux-consultant")
    assert_accessible(page)
