"""Sharing the synthesis: an email with a link that expires and can be revoked; the
recipient's page (GET confirms, POST shows and is recorded); everything visible to the
beneficiary."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from bilan.models import AccessAction, SynthesisAccess
from core.tokens import hash_token
from portal.models import SharePurpose, SynthesisShare

FORM = {
    "purpose": "cep",
    "recipient_name": "Claire Conseil",
    "recipient_email": "claire.cep@example.test",
    "message": "Voici ma synthèse pour notre rendez-vous.",
    "valid_days": "7",
    "agreement": "on",
}


def share(client, louise, captured, **overrides):
    client.force_login(louise.user)
    with captured(execute=True):
        response = client.post(
            reverse("portal:synthesis_share", args=[louise.bilan.pk]), {**FORM, **overrides}
        )
    return response


def share_path(message) -> str:
    url = re.search(r"http://\S+/mon-espace/partage/\S+/", message.body).group(0)
    return "/mon-espace/" + url.split("/mon-espace/", 1)[1]


def test_share_sends_an_expiring_link_and_the_recipient_reads_it(
    client, louise, side_a, mailoutbox, django_capture_on_commit_callbacks
):
    response = share(client, louise, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    with side_a.scope():
        row = SynthesisShare.objects.get()
        assert row.purpose == SharePurpose.CEP
        assert row.recipient_email == "claire.cep@example.test"
        assert timedelta(days=6, hours=23) < row.expires_at - timezone.now() <= timedelta(days=7)
        assert SynthesisAccess.objects.filter(action=AccessAction.SHARE).count() == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["claire.cep@example.test"]
    assert message.subject.endswith("Louise Garnier vous transmet son document de synthèse")
    assert "Voici ma synthèse pour notre rendez-vous." in message.body
    assert "Reconversion" not in message.body  # the content stays behind the link
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Consulter le document" in html
    assert 'lang="fr"' in html
    path = share_path(message)
    assert row.token_hash == hash_token(path.rstrip("/").rsplit("/", 1)[1])

    client.logout()
    confirm = client.get(path)  # a prefetch only sees the confirmation page
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Louise Garnier vous transmet son document de synthèse" in body
    assert "Reconversion" not in body
    with side_a.scope():
        assert not SynthesisAccess.objects.filter(action=AccessAction.SHARED_READ).exists()

    shown = client.post(path, {"action": "read"})
    assert shown.status_code == 200
    assert "Reconversion souhaitée après quinze ans en comptabilité." in shown.content.decode()
    download = client.post(path, {"action": "download"})
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    with side_a.scope():
        reads = SynthesisAccess.objects.filter(action=AccessAction.SHARED_READ)
        assert reads.count() == 2
        assert all("Claire Conseil" in r.detail for r in reads)
        assert all(r.user_id is None for r in reads)
        row.refresh_from_db()
        assert row.opened_count == 2

    # The beneficiary sees the share and the two readings.
    client.force_login(louise.user)
    page = client.get(reverse("portal:synthesis", args=[louise.bilan.pk])).content.decode()
    assert "Claire Conseil" in page
    assert "Consulté 2 fois" in page
    assert "Consultation par un destinataire du partage" in page

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        client.logout()
        assert client.get(path).status_code == 410
        assert client.post(path, {"action": "read"}).status_code == 410
        client.force_login(louise.user)
        expired = client.get(reverse("portal:synthesis", args=[louise.bilan.pk]))
        assert "Expiré" in expired.content.decode()


def test_revoked_links_stop_working(
    client, louise, side_a, mailoutbox, django_capture_on_commit_callbacks
):
    share(client, louise, django_capture_on_commit_callbacks)
    path = share_path(mailoutbox[0])
    with side_a.scope():
        row = SynthesisShare.objects.get()
    response = client.post(reverse("portal:share_revoke", args=[row.pk]))
    assert response.status_code == 302
    client.logout()
    refused = client.post(path, {"action": "read"})
    assert refused.status_code == 410
    assert "Reconversion" not in refused.content.decode()
    assert "retiré" in refused.content.decode()
    with side_a.scope():
        assert not SynthesisAccess.objects.filter(action=AccessAction.SHARED_READ).exists()
        row.refresh_from_db()
        assert row.revoked_at is not None


def test_only_the_owner_may_revoke(
    client, louise, neighbour, foreigner, side_b, django_capture_on_commit_callbacks
):
    share(client, louise, django_capture_on_commit_callbacks)
    row = SynthesisShare.objects.unscoped().get()
    for user in (neighbour.user, foreigner.user, side_b.consultant):
        client.force_login(user)
        assert client.post(reverse("portal:share_revoke", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


def test_the_share_form_explains_its_errors_and_keeps_the_input(
    client, louise, mailoutbox, django_capture_on_commit_callbacks
):
    response = share(
        client,
        louise,
        django_capture_on_commit_callbacks,
        agreement="",
        recipient_email="pas-une-adresse",
        valid_days="365",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Votre formulaire contient des erreurs" in body
    assert "Cochez cette case pour confirmer le partage." in body
    assert "Saisissez une adresse e-mail valide." in body
    assert 'value="Claire Conseil"' in body
    assert "Voici ma synthèse pour notre rendez-vous." in body
    assert not SynthesisShare.objects.unscoped().exists()
    assert mailoutbox == []


def test_unknown_share_token(client, db):
    assert client.get("/mon-espace/partage/inconnu/").status_code == 410
    assert client.post("/mon-espace/partage/inconnu/", {"action": "read"}).status_code == 410
