"""Their data (RGPD): the ZIP export, and requests for correction or erasure handled by the
organisation's admins in the Django admin."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from django.urls import reverse

from bilan.models import Synthesis
from portal.models import DataRequest, DataRequestStatus


def download(client, person) -> zipfile.ZipFile:
    client.force_login(person.user)
    response = client.get(reverse("portal:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_zip_holds_everything_about_them_and_nothing_else(
    client, louise, neighbour, foreigner, side_a
):
    archive = download(client, louise)
    names = archive.namelist()
    assert "donnees.json" in names
    assert "LISEZMOI.txt" in names
    pdfs = [n for n in names if n.startswith("syntheses/") and n.endswith(".pdf")]
    assert len(pdfs) == 1
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=louise.bilan)
    assert hashlib.sha256(archive.read(pdfs[0])).hexdigest() == synthesis.pdf_sha256

    data = json.loads(archive.read("donnees.json"))
    assert data["beneficiary"]["email"] == louise.beneficiary.email
    assert data["beneficiary"]["consent_method"] == "Document signé"
    assert data["portal_account"]["email"] == louise.user.email
    [bilan] = data["bilans"]
    assert bilan["id"] == str(louise.bilan.pk)
    assert bilan["meetings"][0]["starts_at"].startswith("2026-09-03T14:30:00+02:00")
    assert bilan["synthesis"]["project"] == "Devenir formatrice en gestion pour adultes."
    assert bilan["synthesis"]["pdf_sha256"] == synthesis.pdf_sha256
    assert bilan["action_plan"][0]["title"] == "S'inscrire au titre professionnel"
    assert bilan["consultants"][0]["email"] == side_a.consultant.email
    assert bilan["history"]

    everything = json.dumps(data, ensure_ascii=False) + archive.read("LISEZMOI.txt").decode()
    assert "NOTE-PRIVEE-DU-CONSULTANT" not in everything  # the consultant's working notes
    assert "notes de travail de votre consultant" in everything  # ... and why
    for other in (neighbour, foreigner):
        assert other.beneficiary.email not in everything
        assert other.beneficiary.last_name not in everything


def test_a_draft_synthesis_is_not_exported(client, side_a):
    from tests.portal.helpers import make_person

    person = make_person(side_a, first_name="Diane", stage="conclusion")
    archive = download(client, person)
    data = json.loads(archive.read("donnees.json"))
    assert data["bilans"][0]["synthesis"] is None
    assert not [n for n in archive.namelist() if n.startswith("syntheses/")]


def test_the_export_is_the_beneficiarys_only(client, side_a, side_b):
    for user in (side_a.consultant, side_b.admin):
        client.force_login(user)
        assert client.get(reverse("portal:data_export")).status_code == 404


def test_a_request_reaches_the_admins_and_is_handled_in_the_admin(
    client, louise, side_a, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(louise.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:data"),
            {"kind": "correction", "details": "Mon numéro de téléphone a changé : 06 11 22 33 44"},
        )
    assert response.status_code == 302
    with side_a.scope():
        request = DataRequest.objects.get()
    assert request.beneficiary == louise.beneficiary
    assert request.status == DataRequestStatus.NEW
    [message] = mailoutbox
    assert message.to == [side_a.admin.email]
    assert "Louise Garnier" in message.subject
    assert "06 11 22 33 44" in message.body
    assert f"/admin/portal/datarequest/{request.pk}/change/" in message.body
    assert "Ouvrir la demande" in message.alternatives[0][0]
    page = client.get(reverse("portal:data")).content.decode()
    assert "Corriger des informations" in page
    assert "Reçue" in page

    # The organisation's admin handles it in the Django admin.
    client.force_login(side_a.admin)
    change = reverse("admin:portal_datarequest_change", args=[request.pk])
    assert client.get(reverse("admin:portal_datarequest_changelist")).status_code == 200
    assert client.get(change).status_code == 200
    refused = client.post(change, {"status": "refused", "response": ""})
    assert refused.status_code == 200
    assert "Indiquez au bénéficiaire le motif du refus." in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            change, {"status": "done", "response": "Numéro corrigé dans votre dossier."}
        )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == DataRequestStatus.DONE
    assert request.handled_by == side_a.admin
    assert request.handled_at is not None
    told = mailoutbox[-1]
    assert told.to == [louise.beneficiary.email]
    assert "Numéro corrigé dans votre dossier." in told.body

    client.force_login(louise.user)
    page = client.get(reverse("portal:data")).content.decode()
    assert "Traitée" in page
    assert "Numéro corrigé dans votre dossier." in page


def test_another_organisations_admin_cannot_see_the_request(client, louise, side_b):
    client.force_login(louise.user)
    client.post(reverse("portal:data"), {"kind": "erasure", "details": "Merci d'effacer."})
    request = DataRequest.objects.unscoped().get()
    client.force_login(side_b.admin)
    listing = client.get(reverse("admin:portal_datarequest_changelist")).content.decode()
    assert "Garnier" not in listing
    change = reverse("admin:portal_datarequest_change", args=[request.pk])
    assert client.get(change).status_code in (302, 404)


def test_an_empty_request_is_explained(client, louise):
    client.force_login(louise.user)
    response = client.post(reverse("portal:data"), {"kind": "erasure", "details": "   "})
    assert response.status_code == 400
    assert "Votre formulaire contient une erreur" in response.content.decode()
    assert not DataRequest.objects.unscoped().exists()
