"""Follow-ups and the follow-up interview through the API."""

from __future__ import annotations

import pytest

from bilan.models import BilanStatus
from suivi.models import FollowUp, FollowUpInterview, FollowUpState
from tests.api.conftest import bearer, link_portal_user
from tests.bilan import builders

URL = "/api/v1/followups/"

INTERVIEW = {
    "held_on": "2030-05-27",
    "mode": "video",
    "results_vs_goals": "Projet validé.",
    "obstacles": "Peu d'offres.",
    "levers": "Réseau.",
    "adjustment": "Élargir la zone.",
    "next_steps": "Candidater.",
    "outcome": "in_progress",
}


@pytest.fixture
def follow_up(side_a) -> FollowUp:
    bilan = builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with side_a.scope():
        return FollowUp.objects.get(bilan=bilan)


def test_who_sees_which_follow_up(side_a, side_b, follow_up, other_consultant_a):
    assert [r["id"] for r in bearer(side_a.admin).get(URL).json()["results"]] == [str(follow_up.pk)]
    body = bearer(side_a.consultant).get(f"{URL}{follow_up.pk}/").json()
    assert body["state"] == "scheduled"
    assert body["consultant"] == side_a.consultant.email
    assert body["booking"] is None
    assert body["has_interview"] is False
    user = link_portal_user(side_a, follow_up.bilan.beneficiary)
    assert bearer(user).get(f"{URL}{follow_up.pk}/").status_code == 200
    for outsider in (other_consultant_a, side_b.admin, side_b.consultant):
        assert bearer(outsider).get(URL).json()["results"] == []
        assert bearer(outsider).get(f"{URL}{follow_up.pk}/").status_code == 404
        assert bearer(outsider).post(f"{URL}{follow_up.pk}/invite/").status_code == 404


def test_consultant_invites_moves_and_cancels(side_a, follow_up):
    client = bearer(side_a.consultant)
    response = client.post(f"{URL}{follow_up.pk}/invite/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "invited"
    response = client.post(f"{URL}{follow_up.pk}/invite/")
    assert response.status_code == 400
    assert response.json()["detail"] == "L'invitation a déjà été envoyée."
    response = client.post(
        f"{URL}{follow_up.pk}/move/", {"due_on": "2001-01-01", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["due_on"]
    response = client.post(
        f"{URL}{follow_up.pk}/move/", {"due_on": "2031-01-15", "reason": "Formation"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["due_on"] == "2031-01-15"
    response = client.post(f"{URL}{follow_up.pk}/cancel/", {"reason": ""}, format="json")
    assert list(response.json()["errors"]) == ["reason"]
    response = client.post(f"{URL}{follow_up.pk}/cancel/", {"reason": "Injoignable"})
    assert response.json()["state"] == "cancelled"


def test_beneficiary_declines_but_does_not_manage(side_a, follow_up):
    user = link_portal_user(side_a, follow_up.bilan.beneficiary)
    client = bearer(user)
    assert client.post(f"{URL}{follow_up.pk}/invite/").status_code == 403
    assert client.get(f"{URL}{follow_up.pk}/interview/").status_code == 403
    response = client.post(f"{URL}{follow_up.pk}/decline/", {"reason": "Emploi trouvé"})
    assert response.status_code == 200
    assert response.json()["state"] == "declined"
    with side_a.scope():
        follow_up.refresh_from_db()
    assert follow_up.declined_by_beneficiary is True


def test_record_the_interview(side_a, follow_up):
    client = bearer(side_a.consultant)
    url = f"{URL}{follow_up.pk}/interview/"
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["detail"] == "Aucun entretien n'a encore été noté pour ce suivi."
    response = client.put(url, {**INTERVIEW, "outcome": "peut-être"}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["outcome"]
    response = client.put(
        url,
        {
            **INTERVIEW,
            "action_progress": {"00000000-0000-0000-0000-000000000000": {"status": "done"}},
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["action_progress"]
    response = client.put(
        url, {**INTERVIEW, "action_progress": {"x": {"status": "fini"}}}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["action_progress.x.status"]
    response = client.put(url, INTERVIEW, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["recorded_by"] == side_a.consultant.email
    assert client.get(url).json()["outcome"] == "in_progress"
    body = client.get(f"{URL}{follow_up.pk}/").json()
    assert body["state"] == FollowUpState.HELD
    assert body["has_interview"] is True
    with side_a.scope():
        assert FollowUpInterview.objects.filter(follow_up=follow_up).count() == 1


def test_filters_and_query_count(side_a, django_assert_max_num_queries):
    client = bearer(side_a.admin)
    builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with django_assert_max_num_queries(9):
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(3):
        builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with django_assert_max_num_queries(9):
        assert len(client.get(URL).json()["results"]) == 4
    assert len(client.get(URL, {"state": "scheduled"}).json()["results"]) == 4
    assert client.get(URL, {"state": "held"}).json()["results"] == []
    assert client.get(URL, {"due_before": "demain"}).status_code == 400


def test_beneficiaries_do_not_see_the_consultants_reasons(side_a, follow_up):
    client = bearer(side_a.consultant)
    response = client.post(
        f"{URL}{follow_up.pk}/move/",
        {"due_on": "2031-01-15", "reason": "Note interne : dossier compliqué"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["move_reason"] == "Note interne : dossier compliqué"
    user = link_portal_user(side_a, follow_up.bilan.beneficiary)
    person = bearer(user)
    for body in (person.get(f"{URL}{follow_up.pk}/").json(), person.get(URL).json()["results"][0]):
        assert body["due_on"] == "2031-01-15"
        assert "move_reason" not in body
        assert "cancel_reason" not in body
    response = person.post(f"{URL}{follow_up.pk}/decline/", {"reason": "Emploi trouvé"})
    assert response.status_code == 200, response.content
    assert "move_reason" not in response.json()
    assert "cancel_reason" not in response.json()
    # The consultants still see them.
    body = bearer(side_a.admin).get(f"{URL}{follow_up.pk}/").json()
    assert body["move_reason"] == "Note interne : dossier compliqué"
    assert "cancel_reason" in body
