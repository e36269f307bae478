"""The beneficiary's journey on a phone (issue 5): invited by their consultant, sets a
password, reads and downloads the synthesis, updates an action, shares the synthesis, downloads
their data. axe-core checks every page (no serious or critical violation)."""

from __future__ import annotations

import io
import json
import re
import zipfile

from django.core import mail
from playwright.sync_api import expect

from bilan.models import AccessAction, Action, SynthesisAccess
from portal import services
from tests.e2e.helpers import assert_accessible, screenshot
from tests.portal.helpers import make_person

PHONE = {"width": 390, "height": 844}
PASSWORD = "Mon-bilan-2026-solide"


def link_in(message, pattern: str) -> str:
    return re.search(pattern, message.body).group(0)


def local(live_server, url: str) -> str:
    """The emailed link, pointed at the live server (SITE_URL is the production host)."""
    return live_server.url + "/mon-espace/" + url.split("/mon-espace/", 1)[1]


def test_beneficiary_journey_on_a_phone(page, live_server, side_a, tmp_path):
    page.set_viewport_size(PHONE)
    person = make_person(side_a, first_name="Louise", last_name="Garnier", with_user=False)
    with side_a.scope():
        services.invite_beneficiary(person.beneficiary, side_a.consultant)
    [invitation] = mail.outbox
    assert invitation.to == [person.beneficiary.email]

    # 1. The emailed link: a page first (nothing spent), then the password.
    page.goto(local(live_server, link_in(invitation, r"http://\S+/mon-espace/activer/\S+/")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Louise")
    screenshot(page, "portal-01-activer")
    assert_accessible(page)
    page.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    page.get_by_label("Saisissez-le une seconde fois").fill(PASSWORD + "!")
    page.get_by_role("button", name="Activer mon espace").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre formulaire contient une erreur")
    screenshot(page, "portal-02-activer-erreur")
    assert_accessible(page)
    page.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    page.get_by_label("Saisissez-le une seconde fois").fill(PASSWORD)
    page.get_by_role("button", name="Activer mon espace").click()

    # 2. Home: the bilan, its phases and the consultant.
    expect(page).to_have_url(re.compile(r"/mon-espace/$"))
    expect(page.get_by_role("status")).to_contain_text("Votre espace est prêt")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Louise")
    expect(page.locator("main")).to_contain_text("Phase de conclusion")
    expect(page.locator("main")).to_contain_text(side_a.consultant.email)
    screenshot(page, "portal-03-accueil")
    assert_accessible(page)

    page.get_by_role("link", name="Mon parcours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    expect(page.locator("main")).to_contain_text("jeudi 3 septembre 2026 à 14:30")
    screenshot(page, "portal-04-parcours")
    assert_accessible(page)

    # 3. The synthesis: read it, download the PDF.
    page.get_by_role("link", name="Ma synthèse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon document de synthèse")
    expect(page.locator("main")).to_contain_text("Devenir formatrice en gestion pour adultes.")
    screenshot(page, "portal-05-synthese")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("synthese-louise-garnier-")
    pdf = tmp_path / "synthese.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with side_a.scope():
        recorded = set(SynthesisAccess.objects.values_list("action", flat=True))
    assert {AccessAction.READ, AccessAction.DOWNLOAD} <= recorded

    page.get_by_label("Votre commentaire sur la synthèse").fill("Je me retrouve dans ce document.")
    page.get_by_role("button", name="Enregistrer mon commentaire").click()
    expect(page.get_by_role("status")).to_contain_text("Votre commentaire est enregistré.")

    # Share it with the CEP operator.
    page.get_by_role("link", name="Partager ma synthèse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partager ma synthèse")
    assert_accessible(page)
    page.get_by_label("Nom de la personne").fill("Claire Conseil")
    page.get_by_label("Son adresse e-mail").fill("claire.cep@example.test")
    page.get_by_role("button", name="Envoyer ma synthèse").click()
    expect(page.get_by_role("alert")).to_contain_text("Votre formulaire contient une erreur")
    expect(page.get_by_label("Nom de la personne")).to_have_value("Claire Conseil")
    screenshot(page, "portal-06-partage-erreur")
    assert_accessible(page)
    page.get_by_label(re.compile("J'accepte que cette personne lise")).check()
    page.get_by_role("button", name="Envoyer ma synthèse").click()
    expect(page.get_by_role("status")).to_contain_text("Votre synthèse a été envoyée à Claire")
    expect(page.locator("main")).to_contain_text("Pas encore consulté")
    screenshot(page, "portal-07-synthese-partagee")
    assert_accessible(page)

    # 4. The action plan: mark progress and keep a note.
    page.get_by_role("link", name="Mon espace").click()
    page.get_by_role("link", name="Mon plan d'action").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon plan d'action")
    screenshot(page, "portal-08-plan")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Mettre à jour")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("S'inscrire au titre professionnel")
    assert_accessible(page)
    page.get_by_label("En cours").check()
    page.get_by_label("Vos notes").fill("Dossier CPF ouvert.")
    screenshot(page, "portal-09-action")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("est à jour")
    expect(page.locator("main")).to_contain_text("En cours")
    with side_a.scope():
        action = Action.objects.get(pk=person.action.pk)
    assert (action.status, action.notes) == ("in_progress", "Dossier CPF ouvert.")

    page.get_by_label("Votre action").fill("Appeler l'AFPA")
    page.get_by_label("Échéance (facultatif)").fill("15/01/2027")
    page.get_by_role("button", name="Ajouter cette action").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Votre action « Appeler l'AFPA » est ajoutée."
    )
    expect(page.locator("main")).to_contain_text("ajoutée par vous")

    # 5. Their data: the ZIP, and a request for correction.
    page.get_by_role("link", name="Mes données").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données personnelles")
    screenshot(page, "portal-10-donnees")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger mes données (ZIP)").click()
    archive_path = tmp_path / "donnees.zip"
    download_info.value.save_as(archive_path)
    archive = zipfile.ZipFile(io.BytesIO(archive_path.read_bytes()))
    data = json.loads(archive.read("donnees.json"))
    assert data["beneficiary"]["email"] == person.beneficiary.email
    assert data["bilans"][0]["synthesis"]["beneficiary_comment"] == (
        "Je me retrouve dans ce document."
    )
    assert [n for n in archive.namelist() if n.endswith(".pdf")]

    page.get_by_label("Corriger des informations").check()
    page.get_by_label("Précisez votre demande").fill("Mon téléphone a changé : 06 11 22 33 44.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est envoyée")
    expect(page.locator("main")).to_contain_text("Reçue")
    screenshot(page, "portal-11-demande")
    assert_accessible(page)

    # The recipient of the share (no account): a confirmation page, then the document.
    share_mail = next(m for m in mail.outbox if m.to == ["claire.cep@example.test"])
    recipient = page.context.browser.new_context(viewport=PHONE, locale="fr-FR")
    other = recipient.new_page()
    other.goto(local(live_server, link_in(share_mail, r"http://\S+/mon-espace/partage/\S+/")))
    expect(other.get_by_role("heading", level=1)).to_contain_text(
        "Louise Garnier vous transmet son document de synthèse"
    )
    screenshot(other, "portal-12-destinataire")
    assert_accessible(other)
    other.get_by_role("button", name="Consulter le document").click()
    expect(other.locator("main")).to_contain_text("Devenir formatrice en gestion pour adultes.")
    screenshot(other, "portal-13-destinataire-document")
    assert_accessible(other)
    recipient.close()

    page.goto(live_server.url + f"/mon-espace/bilans/{person.bilan.pk}/synthese/")
    expect(page.locator("main")).to_contain_text("Consulté 1 fois")
    expect(page.locator("main")).to_contain_text("Consultation par un destinataire du partage")
