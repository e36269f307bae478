"""Meetings (the hours ledger) and the action plan."""

from __future__ import annotations

from bilan.models import Action, BilanStatus, Meeting
from tests.api.conftest import bearer, link_portal_user
from tests.bilan import builders


def meetings_url(bilan) -> str:
    return f"/api/v1/bilans/{bilan.pk}/meetings/"


def actions_url(bilan) -> str:
    return f"/api/v1/bilans/{bilan.pk}/actions/"


MEETING = {
    "phase": "investigation",
    "starts_at": "2030-01-07T14:30:00+01:00",
    "duration_minutes": 90,
    "mode": "video",
    "notes": "Restitution des tests.",
}


def test_log_edit_delete_a_meeting(side_a, bilan_a):
    client = bearer(side_a.consultant)
    response = client.post(meetings_url(bilan_a), MEETING, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["hours"] == 1.5
    assert body["starts_at"] == "2030-01-07T14:30:00+01:00"
    url = f"{meetings_url(bilan_a)}{body['id']}/"
    response = client.patch(url, {"duration_minutes": 120}, format="json")
    assert response.status_code == 200
    assert response.json()["hours"] == 2.0
    assert client.delete(url).status_code == 204
    with side_a.scope():
        assert not Meeting.objects.filter(pk=body["id"]).exists()


def test_the_24_hour_ceiling_names_the_field(side_a, bilan_a):
    client = bearer(side_a.consultant)
    for day in range(7, 12):  # 4 h already, + 5 x 4 h = 24 h
        payload = {**MEETING, "starts_at": f"2030-01-{day:02d}T09:00:00+01:00"}
        response = client.post(meetings_url(bilan_a), {**payload, "duration_minutes": 240})
        assert response.status_code == 201, response.content
    response = client.post(meetings_url(bilan_a), {**MEETING, "duration_minutes": 30})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["duration_minutes"]
    assert "plafond est de 24 heures" in response.json()["detail"]


def test_meeting_rules_and_types(side_a, bilan_a):
    client = bearer(side_a.consultant)
    response = client.post(meetings_url(bilan_a), {**MEETING, "phase": "conclusion"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phase"]
    response = client.post(meetings_url(bilan_a), {**MEETING, "starts_at": "2001-01-01T10:00:00Z"})
    assert list(response.json()["errors"]) == ["starts_at"]
    response = client.post(
        meetings_url(bilan_a),
        {**MEETING, "duration_minutes": "longtemps", "is_accompaniment": "peut-être"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"duration_minutes", "is_accompaniment"}
    response = client.post(meetings_url(bilan_a), {**MEETING, "duration_minutes": 10**12})
    assert response.status_code == 400


def test_beneficiary_sees_meetings_without_private_notes(side_a, bilan_a, beneficiary_user_a):
    bearer(side_a.consultant).post(meetings_url(bilan_a), MEETING, format="json")
    client = bearer(beneficiary_user_a)
    rows = client.get(meetings_url(bilan_a)).json()["results"]
    assert len(rows) == 3
    assert all("notes" not in row for row in rows)
    assert client.post(meetings_url(bilan_a), MEETING, format="json").status_code == 403
    url = f"{meetings_url(bilan_a)}{rows[0]['id']}/"
    assert client.delete(url).status_code == 403
    assert client.patch(url, {"duration_minutes": 5}, format="json").status_code == 403


def test_unassigned_consultant_and_other_organisation_get_404(
    side_a, side_b, bilan_a, other_consultant_a
):
    for user in (other_consultant_a, side_b.consultant, side_b.admin):
        client = bearer(user)
        assert client.get(meetings_url(bilan_a)).status_code == 404
        assert client.post(meetings_url(bilan_a), MEETING, format="json").status_code == 404
    with side_a.scope():
        assert Meeting.objects.filter(bilan=bilan_a).count() == 2


def test_meeting_list_query_count(side_a, bilan_a, django_assert_max_num_queries):
    client = bearer(side_a.consultant)
    with django_assert_max_num_queries(9):
        assert len(client.get(meetings_url(bilan_a)).json()["results"]) == 2
    for day in range(7, 17):
        client.post(
            meetings_url(bilan_a),
            {**MEETING, "starts_at": f"2030-01-{day}T09:00:00Z", "duration_minutes": 30},
        )
    with django_assert_max_num_queries(9):
        assert len(client.get(meetings_url(bilan_a)).json()["results"]) == 12


# --- The action plan -------------------------------------------------------------------------


ACTION = {"title": "S'inscrire à la formation", "target_date": "2027-01-31", "resources": "CEP"}


def test_actions_belong_to_the_conclusion(side_a, bilan_a):
    response = bearer(side_a.consultant).post(actions_url(bilan_a), ACTION, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Le plan d'action se construit en phase de conclusion."


def test_consultant_and_beneficiary_on_the_action_plan(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    consultant = bearer(side_a.consultant)
    response = consultant.post(actions_url(bilan), ACTION, format="json")
    assert response.status_code == 201, response.content
    action_id = response.json()["id"]
    assert response.json()["added_by_beneficiary"] is False

    user = link_portal_user(side_a, bilan.beneficiary)
    person = bearer(user)
    url = f"{actions_url(bilan)}{action_id}/"
    response = person.patch(
        url, {"status": "in_progress", "notes": "Dossier envoyé"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    # The beneficiary changes progress and notes only.
    response = person.patch(url, {"title": "Autre chose"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"title": ["Ce champ est en lecture seule."]}
    # ...and adds their own actions.
    response = person.post(actions_url(bilan), {"title": "Appeler l'AFPA"}, format="json")
    assert response.status_code == 201
    assert response.json()["added_by_beneficiary"] is True
    response = person.post(actions_url(bilan), {"title": "x", "status": "done"}, format="json")
    assert response.status_code == 400
    rows = consultant.get(actions_url(bilan)).json()["results"]
    assert [r["title"] for r in rows] == ["S'inscrire à la formation", "Appeler l'AFPA"]
    assert rows[0]["notes"] == "Dossier envoyé"
    assert [
        r["title"] for r in consultant.get(actions_url(bilan), {"status": "todo"}).json()["results"]
    ] == ["Appeler l'AFPA"]
    assert consultant.delete(url).status_code == 405


def test_another_beneficiary_of_the_same_organisation_gets_404(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    other = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    user = link_portal_user(side_a, other.beneficiary)
    client = bearer(user)
    assert client.get(actions_url(bilan)).status_code == 404
    assert client.post(actions_url(bilan), {"title": "Intrusion"}, format="json").status_code == 404
    with side_a.scope():
        assert not Action.objects.filter(title="Intrusion").exists()


def test_action_list_query_count(side_a, django_assert_max_num_queries):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client = bearer(side_a.consultant)
    client.post(actions_url(bilan), ACTION, format="json")
    with django_assert_max_num_queries(9):
        assert len(client.get(actions_url(bilan)).json()["results"]) == 1
    for n in range(8):
        client.post(actions_url(bilan), {**ACTION, "title": f"Action {n}"}, format="json")
    with django_assert_max_num_queries(9):
        assert len(client.get(actions_url(bilan)).json()["results"]) == 9
