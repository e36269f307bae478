"""The document de synthèse: drafts, reading (logged), delivery once, the PDF, the comment."""

from __future__ import annotations

import pytest

from bilan.models import AccessAction, BilanStatus, Synthesis, SynthesisAccess
from tests.api.conftest import bearer, link_portal_user
from tests.bilan import builders


def url(bilan, tail: str = "") -> str:
    return f"/api/v1/bilans/{bilan.pk}/synthesis/{tail}"


def accesses(side, bilan) -> list[tuple[str, str]]:
    with side.scope():
        return list(
            SynthesisAccess.objects.filter(synthesis__bilan=bilan)
            .order_by("at")
            .values_list("action", "user__email")
        )


@pytest.fixture
def conclusion(side_a):
    return builders.bilan(side_a, status=BilanStatus.CONCLUSION)


def test_consultant_writes_drafts(side_a, bilan_a):
    client = bearer(side_a.consultant)
    response = client.put(url(bilan_a), {"project": "Devenir formatrice"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 1
    response = client.patch(url(bilan_a), {"competences": "Rigueur"}, format="json")
    assert response.json()["version"] == 2
    assert response.json()["project"] == "Devenir formatrice"
    response = client.put(url(bilan_a), {"version": 9}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"version": ["Ce champ est en lecture seule."]}
    body = client.get(url(bilan_a)).json()
    assert body["competences"] == "Rigueur"
    assert accesses(side_a, bilan_a) == [("read", side_a.consultant.email)]


def test_drafts_follow_the_phases(side_a):
    bilan = builders.bilan(side_a)  # preliminary
    response = bearer(side_a.consultant).put(url(bilan), {"project": "x"}, format="json")
    assert response.status_code == 400
    assert "investigation et de conclusion" in response.json()["detail"]


def test_admins_read_only_when_the_organisation_allows_it(side_a, bilan_a):
    response = bearer(side_a.admin).get(url(bilan_a))
    assert response.status_code == 403
    assert "ont accès à la synthèse" in response.json()["detail"]
    assert (
        bearer(side_a.admin).put(url(bilan_a), {"project": "x"}, format="json").status_code == 403
    )
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    assert bearer(side_a.admin).get(url(bilan_a)).status_code == 200


def test_deliver_once_then_409(side_a, conclusion):
    client = bearer(side_a.consultant)
    response = client.post(url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Complétez toutes les sections de la synthèse avant de la remettre."
    )
    client.put(url(conclusion), builders.SECTIONS, format="json")
    response = client.post(url(conclusion, "deliver/"), {}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["follow_up_accepted"]
    response = client.post(url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["delivered_at"]
    assert len(body["pdf_sha256"]) == 64
    assert body["pdf_url"] == url(conclusion, "pdf/")
    response = client.post(
        url(conclusion, "deliver/"), {"follow_up_accepted": False}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["detail"].startswith("La synthèse a déjà été remise le ")
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=conclusion)
    assert synthesis.follow_up_accepted is True
    conclusion.refresh_from_db()
    assert conclusion.status == BilanStatus.DELIVERED
    response = client.put(url(conclusion), {"project": "trop tard"}, format="json")
    assert response.status_code == 400


def test_pdf_download_is_recorded(side_a, conclusion):
    client = bearer(side_a.consultant)
    response = client.get(url(conclusion, "pdf/"))
    assert response.status_code == 404
    assert response.json()["detail"] == "La synthèse n'a pas encore été remise : pas de PDF."
    client.put(url(conclusion), builders.SECTIONS, format="json")
    client.post(url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json")
    response = client.get(url(conclusion, "pdf/"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert ("download", side_a.consultant.email) in accesses(side_a, conclusion)
    # An error asked as PDF still answers JSON.
    response = bearer(side_a.admin).get(url(conclusion, "pdf/"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"


def test_beneficiary_sees_their_synthesis_once_delivered(side_a, conclusion):
    user = link_portal_user(side_a, conclusion.beneficiary)
    person = bearer(user)
    bearer(side_a.consultant).put(url(conclusion), builders.SECTIONS, format="json")
    response = person.get(url(conclusion))
    assert response.status_code == 404
    assert response.json()["detail"] == "Votre synthèse n'a pas encore été remise."
    assert person.put(url(conclusion), {"project": "x"}, format="json").status_code == 403
    bearer(side_a.consultant).post(
        url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json"
    )
    body = person.get(url(conclusion)).json()
    assert body["project"] == builders.SECTIONS["project"]
    assert body["delivery_warnings"] == []
    assert person.get(url(conclusion, "pdf/")).status_code == 200
    response = person.put(url(conclusion, "comment/"), {"comment": "Merci !"}, format="json")
    assert response.status_code == 200
    assert response.json()["beneficiary_comment"] == "Merci !"
    assert (
        person.post(url(conclusion, "deliver/"), {"follow_up_accepted": False}).status_code == 403
    )
    # Consultants do not write the beneficiary's comment.
    response = bearer(side_a.consultant).put(url(conclusion, "comment/"), {"comment": "x"})
    assert response.status_code == 403
    actions = [a for a, email in accesses(side_a, conclusion) if email == user.email]
    assert actions == [AccessAction.READ, AccessAction.DOWNLOAD]


def test_other_people_get_404(side_a, side_b, bilan_a, other_consultant_a):
    other_person = link_portal_user(side_a, builders.bilan(side_a).beneficiary)
    for user in (other_consultant_a, other_person, side_b.consultant, side_b.admin):
        client = bearer(user)
        assert client.get(url(bilan_a)).status_code == 404
        assert client.put(url(bilan_a), {"project": "x"}, format="json").status_code == 404
        assert (
            client.post(url(bilan_a, "deliver/"), {"follow_up_accepted": True}).status_code == 404
        )
        assert client.get(url(bilan_a, "pdf/")).status_code == 404
    assert accesses(side_a, bilan_a) == []


def test_only_the_bilans_consultants_write_and_deliver(side_a, conclusion, other_consultant_a):
    """Reading may be open to admins (organisation setting); writing and delivering are not."""
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    bearer(side_a.consultant).put(url(conclusion), builders.SECTIONS, format="json")
    admin = bearer(side_a.admin)
    assert admin.get(url(conclusion)).status_code == 200
    message = "Seuls les consultants du bilan peuvent rédiger ou remettre la synthèse."
    for response in (
        admin.put(url(conclusion), {"project": "Réécrit par l'admin"}, format="json"),
        admin.patch(url(conclusion), {"project": "Réécrit par l'admin"}, format="json"),
        admin.post(url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == message
    with side_a.scope():
        synthesis = Synthesis.objects.get(bilan=conclusion)
    assert synthesis.project == builders.SECTIONS["project"]
    assert not synthesis.is_delivered
    # A consultant of the organisation who is not assigned does not even see the bilan.
    other = bearer(other_consultant_a)
    assert other.put(url(conclusion), {"project": "x"}, format="json").status_code == 404
    # An admin who is also one of the bilan's consultants writes and delivers.
    with side_a.scope():
        conclusion.consultants.add(side_a.admin)
    response = admin.patch(url(conclusion), {"project": "Projet revu"}, format="json")
    assert response.status_code == 200, response.content
    response = admin.post(url(conclusion, "deliver/"), {"follow_up_accepted": True}, format="json")
    assert response.status_code == 200, response.content
