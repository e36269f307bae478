"""Beneficiaries: admin, consultant, beneficiary, a consultant of the same organisation who does
not follow them, and the other organisation."""

from __future__ import annotations

from bilan import services
from bilan.models import Beneficiary
from tests.api.conftest import bearer, link_portal_user
from tests.bilan import builders

URL = "/api/v1/beneficiaries/"

NEW = {
    "first_name": "Léa",
    "last_name": "Dubois",
    "email": "Lea.Dubois@Example.fr",
    "employment_status": "cdi",
    "consent_given_on": "2026-11-02",
    "consent_method": "signed",
}


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_consultant_registers_a_beneficiary(side_a):
    response = bearer(side_a.consultant).post(URL, NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "lea.dubois@example.fr"
    assert body["has_portal_account"] is False
    with side_a.scope():
        person = Beneficiary.objects.get(pk=body["id"])
    assert person.created_by == side_a.consultant
    assert person.organisation == side_a.organisation


def test_duplicate_email_is_refused_with_the_field(side_a):
    client = bearer(side_a.consultant)
    client.post(URL, NEW, format="json")
    response = client.post(URL, {**NEW, "email": "lea.dubois@example.fr"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "email": ["Léa Dubois est déjà enregistré(e) avec cette adresse."]
    }
    assert response.json()["detail"].startswith("email : Léa Dubois")


def test_validation_errors_name_the_fields(side_a):
    response = bearer(side_a.consultant).post(
        URL,
        {**NEW, "consent_given_on": "26/13/2026", "employment_status": "astronaute", "id": "x"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {"id": ["Ce champ est en lecture seule."]}
    response = bearer(side_a.consultant).post(
        URL,
        {**NEW, "consent_given_on": "26/13/2026", "employment_status": "astronaute"},
        format="json",
    )
    errors = response.json()["errors"]
    assert set(errors) == {"consent_given_on", "employment_status"}
    assert "astronaute" in errors["employment_status"][0]
    assert "n'est pas un choix valide" in errors["employment_status"][0]


def test_who_sees_whom(side_a, side_b, other_consultant_a):
    mine = builders.bilan(side_a).beneficiary
    with side_a.scope():
        theirs = services.create_beneficiary(
            actor=other_consultant_a, **{**NEW, "email": "theirs@example.fr"}
        )
    builders.bilan(side_a, consultants=[other_consultant_a], beneficiary=theirs)
    foreign = builders.bilan(side_b).beneficiary
    assert ids(bearer(side_a.admin).get(URL)) == {str(mine.pk), str(theirs.pk)}
    assert ids(bearer(side_a.consultant).get(URL)) == {str(mine.pk)}
    assert ids(bearer(other_consultant_a).get(URL)) == {str(theirs.pk)}
    user = link_portal_user(side_a, mine)
    assert ids(bearer(user).get(URL)) == {str(mine.pk)}
    assert bearer(user).get(f"{URL}{theirs.pk}/").status_code == 404
    assert bearer(side_a.consultant).get(f"{URL}{theirs.pk}/").status_code == 404
    assert bearer(side_a.admin).get(f"{URL}{foreign.pk}/").status_code == 404


def test_search_and_filters(side_a):
    builders.beneficiary(side_a, first_name="Zoé", last_name="Martin", email="zoe@ex.fr")
    other = builders.beneficiary(side_a, last_name="Petit", employment_status="job_seeker")
    client = bearer(side_a.admin)
    rows = client.get(URL, {"search": "zoé mart"}).json()["results"]
    assert [r["last_name"] for r in rows] == ["Martin"]
    assert ids(client.get(URL, {"employment_status": "job_seeker"})) == {str(other.pk)}
    response = client.get(URL, {"employment_status": "astronaute"})
    assert response.status_code == 400
    assert "employment_status" in response.json()["errors"]


def test_update_by_member_not_by_beneficiary(side_a):
    person = builders.bilan(side_a).beneficiary
    url = f"{URL}{person.pk}/"
    response = bearer(side_a.consultant).patch(url, {"phone": "07 98 76 54 32"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["phone"] == "07 98 76 54 32"
    user = link_portal_user(side_a, person)
    response = bearer(user).patch(url, {"phone": "01 00 00 00 00"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Votre rôle ne permet pas cette action."
    response = bearer(user).post(URL, NEW, format="json")
    assert response.status_code == 403
    with side_a.scope():
        person.refresh_from_db()
    assert person.phone == "07 98 76 54 32"


def test_delete_only_by_admin_and_only_without_bilan(side_a):
    alone = builders.beneficiary(side_a)
    with_bilan = builders.bilan(side_a).beneficiary
    assert bearer(side_a.consultant).delete(f"{URL}{alone.pk}/").status_code == 403
    response = bearer(side_a.admin).delete(f"{URL}{with_bilan.pk}/")
    assert response.status_code == 409
    assert "a un bilan" in response.json()["detail"]
    assert bearer(side_a.admin).delete(f"{URL}{alone.pk}/").status_code == 204
    with side_a.scope():
        assert not Beneficiary.objects.filter(pk=alone.pk).exists()
        assert Beneficiary.objects.filter(pk=with_bilan.pk).exists()


def test_list_query_count_does_not_grow(side_a, django_assert_max_num_queries):
    client = bearer(side_a.admin)
    for _ in range(3):
        builders.beneficiary(side_a)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 3
    for _ in range(10):
        builders.beneficiary(side_a)
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 13


def test_cursor_pagination(side_a):
    for _ in range(5):
        builders.beneficiary(side_a)
    client = bearer(side_a.admin)
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    assert first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    response = client.get(URL, {"cursor": "pas-un-curseur"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Curseur de pagination invalide."
