"""A whole bilan in the browser: sign in as a consultant, create a beneficiary, open a bilan, log
meetings in the three phases, write and deliver the synthesis, download the PDF, add actions."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Role
from bilan.models import Action, Bilan, BilanStatus, Synthesis, SynthesisAccess
from core.tenancy import organisation_scope
from tests.bilan.builders import SECTIONS
from tests.e2e.helpers import assert_accessible, screenshot, sign_in
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

SECTION_LABELS = [
    ("request_context", "La demande et son contexte"),
    ("path_followed", "La démarche suivie"),
    ("competences", "Compétences, aptitudes et motivations identifiées"),
    ("project", "Le projet professionnel et ses alternatives"),
    ("success_conditions", "Conditions et moyens de réussite"),
    ("implementation_steps", "Principales étapes de mise en œuvre"),
    ("follow_up_offer", "Le suivi proposé"),
]


def _status(page):
    return page.get_by_role("status")


def test_consultant_runs_a_whole_bilan(page, live_server):
    organisation = OrganisationFactory(slug="cap-journey", name="Cap Parcours")
    consultant = UserFactory(
        email="claire@cap-journey.test", first_name="Claire", last_name="Dubois"
    )
    MembershipFactory(organisation=organisation, user=consultant, role=Role.CONSULTANT)
    today = timezone.localdate()
    started = today - timedelta(days=30)

    sign_in(page, live_server, consultant.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/tableau-de-bord/$"))
    expect(page.get_by_text("Aucun bilan pour l'instant")).to_be_visible()

    # A new beneficiary, then the bilan.
    page.get_by_role("link", name="Nouveau bénéficiaire").first.click()
    page.get_by_label("Prénom").fill("Éloïse")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Lefèvre")
    page.get_by_label("Adresse e-mail").fill("eloise.lefevre@exemple.fr")
    page.get_by_label("Situation professionnelle").select_option("cdi")
    page.get_by_label("Emploi actuel ou dernier emploi").fill("Comptable")
    page.get_by_label("Consentement au bilan recueilli le").fill(started.isoformat())
    page.get_by_label("Forme du consentement").select_option("signed")
    page.get_by_role("button", name="Enregistrer et ouvrir un bilan").click()
    expect(_status(page)).to_contain_text("Éloïse Lefèvre est enregistré(e)")

    expect(page.get_by_label(re.compile("Claire Dubois"))).to_be_checked()
    page.get_by_label("Financement").select_option("personal")
    page.get_by_label("Début du bilan").fill(started.isoformat())
    page.get_by_label("Heures d'accompagnement prévues").fill("20")
    page.get_by_label("Objectifs convenus en phase préliminaire").fill(
        "Changer de métier\nTrouver une formation"
    )
    page.get_by_role("button", name="Ouvrir le bilan").click()
    expect(_status(page)).to_contain_text("Le bilan est ouvert")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Éloïse Lefèvre")
    bilan_url = page.url

    # One meeting per phase, moving the bilan forward between them.
    for index, (phase, advance) in enumerate(
        [
            ("Préliminaire", "Passer en investigation"),
            ("Investigation", "Passer en conclusion"),
            ("Conclusion", None),
        ]
    ):
        page.get_by_role("link", name="Noter un entretien").click()
        expect(page.get_by_label("Phase")).to_have_value(
            ["preliminary", "investigation", "conclusion"][index]
        )
        when = started + timedelta(days=7 * (index + 1))
        page.get_by_label("Date et heure").fill(f"{when.isoformat()}T10:00")
        page.get_by_label("Durée (minutes)").fill("120")
        page.get_by_label("Modalité").select_option("video")
        page.get_by_label("Notes de travail (privées)").fill(f"Notes de la phase {phase}")
        page.get_by_role("button", name="Enregistrer").click()
        expect(_status(page)).to_contain_text("L'entretien est enregistré")
        if advance:
            page.get_by_role("button", name=advance).click()
            expect(_status(page)).to_contain_text("Le bilan passe en")
    expect(page.locator(".ledger-total")).to_contain_text("6 h")
    screenshot(page, "bilan-01-conclusion")
    assert_accessible(page)

    # A meeting that would pass 24 hours is refused, with the typed notes kept.
    page.get_by_role("link", name="Noter un entretien").click()
    page.get_by_label("Date et heure").fill(f"{today.isoformat()}T09:00")
    page.get_by_label("Durée (minutes)").fill("480")
    page.get_by_label("Modalité").select_option("in_person")
    page.get_by_label("Notes de travail (privées)").fill("Très long entretien")
    for _ in range(2):
        page.get_by_role("button", name="Enregistrer").click()
        expect(_status(page)).to_contain_text("L'entretien est enregistré")
        page.get_by_role("link", name="Noter un entretien").click()
        page.get_by_label("Date et heure").fill(f"{today.isoformat()}T09:00")
        page.get_by_label("Durée (minutes)").fill("480")
        page.get_by_label("Modalité").select_option("in_person")
        page.get_by_label("Notes de travail (privées)").fill("Très long entretien")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre formulaire contient une erreur")
    expect(page.locator(".field-error")).to_contain_text("le plafond est de 24 heures")
    expect(page.get_by_label("Notes de travail (privées)")).to_have_value("Très long entretien")
    page.get_by_role("link", name="Annuler").click()

    # The synthesis: seven sections, saved as version 1.
    page.get_by_role("link", name="Rédiger").click()
    for name, label in SECTION_LABELS:
        page.get_by_label(label).fill(SECTIONS[name])
    page.get_by_role("button", name="Enregistrer une nouvelle version").click()
    expect(_status(page)).to_contain_text("Version 1 enregistrée")
    screenshot(page, "bilan-02-synthese")
    assert_accessible(page)

    # Delivery: the follow-up question, the confirmation.
    page.get_by_role("link", name="Remettre la synthèse").first.click()
    page.get_by_role("button", name="Remettre la synthèse").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Oui, il l'accepte").check()
    page.get_by_label(re.compile("Je confirme remettre ce document")).check()
    # Rendering the PDF takes a moment on a busy machine.
    page.get_by_role("button", name="Remettre la synthèse").click(timeout=60_000)
    expect(_status(page)).to_contain_text("La synthèse est remise", timeout=60_000)
    expect(page.get_by_text("lecture seule")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").first.click()
    download = download_info.value
    assert download.suggested_filename == "synthese-Lefèvre.pdf"
    data = open(download.path(), "rb").read()  # noqa: SIM115
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Le projet professionnel et ses alternatives" in text
    assert "Éloïse Lefèvre" in text

    # The action plan, kept alive after delivery.
    page.goto(bilan_url)
    page.get_by_role("link", name="Ajouter une action").click()
    page.get_by_label(re.compile(r"^Action\b")).fill("S'inscrire à la formation de formateur")
    page.get_by_label("Échéance").fill((today + timedelta(days=60)).isoformat())
    page.get_by_label("Ressources").fill("AFPA, CEP")
    page.get_by_label("Obstacles identifiés").fill("Garde des enfants")
    page.get_by_role("button", name="Enregistrer et ajouter une autre").click()
    expect(_status(page)).to_contain_text("L'action est ajoutée")
    page.get_by_label(re.compile(r"^Action\b")).fill("Rencontrer un formateur en poste")
    page.get_by_label(re.compile(r"^Action\b")).press("Enter")  # the keyboard submits the form
    expect(_status(page)).to_contain_text("L'action est ajoutée")
    expect(page.locator("#plan-action")).to_contain_text("S'inscrire à la formation")
    expect(page.locator("#plan-action")).to_contain_text("Rencontrer un formateur en poste")
    expect(page.get_by_role("heading", name="Accès à la synthèse")).to_be_visible()
    expect(page.locator("aside")).to_contain_text("Téléchargement")
    screenshot(page, "bilan-03-plan-action")
    assert_accessible(page)

    # On a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/tableau-de-bord/")
    expect(page.get_by_role("link", name="Éloïse Lefèvre")).to_be_visible()
    screenshot(page, "bilan-04-portefeuille-mobile")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    # The search filters as one types (htmx), and the address follows.
    page.get_by_role("searchbox", name="Rechercher").fill("personne")
    expect(page.get_by_text("Aucun bilan ne correspond à votre recherche.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=personne"))
    page.get_by_role("searchbox", name="Rechercher").fill("lefèvre")
    expect(page.get_by_role("link", name="Éloïse Lefèvre")).to_be_visible()

    with organisation_scope(organisation):
        bilan = Bilan.objects.get(beneficiary__email="eloise.lefevre@exemple.fr")
        assert bilan.status == BilanStatus.DELIVERED
        synthesis = Synthesis.objects.get(bilan=bilan)
        assert synthesis.follow_up_accepted is True
        assert synthesis.version == 1
        assert Action.objects.filter(plan__bilan=bilan).count() == 2
        assert SynthesisAccess.objects.filter(synthesis=synthesis, action="download").count() == 1
