"""Bilans: the portfolio per role, opening, editing, phases, the hours override."""

from __future__ import annotations

from bilan.models import Bilan, BilanStatus
from tests.api.conftest import bearer, link_portal_user
from tests.bilan import builders

URL = "/api/v1/bilans/"


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_portfolio_per_role(side_a, side_b, other_consultant_a):
    mine = builders.bilan(side_a)
    theirs = builders.bilan(side_a, consultants=[other_consultant_a])
    builders.bilan(side_b)
    assert ids(bearer(side_a.admin).get(URL)) == {str(mine.pk), str(theirs.pk)}
    assert ids(bearer(side_a.consultant).get(URL)) == {str(mine.pk)}
    user = link_portal_user(side_a, mine.beneficiary)
    assert ids(bearer(user).get(URL)) == {str(mine.pk)}
    # Another consultant's bilan, or another organisation's: 404, not 403.
    assert bearer(side_a.consultant).get(f"{URL}{theirs.pk}/").status_code == 404
    assert bearer(user).get(f"{URL}{theirs.pk}/").status_code == 404
    assert bearer(side_b.admin).get(f"{URL}{mine.pk}/").status_code == 404


def test_detail_has_the_hours_ledger(side_a, bilan_a):
    body = bearer(side_a.consultant).get(f"{URL}{bilan_a.pk}/").json()
    assert body["status"] == "investigation"
    assert body["consultants"] == [side_a.consultant.email]
    assert body["ledger"]["by_phase"] == {
        "preliminary": 2.0,
        "investigation": 2.0,
        "conclusion": 0.0,
    }
    assert body["ledger"]["total"] == 4.0
    assert body["ledger"]["maximum"] == 24.0


def test_filters(side_a):
    builders.bilan(side_a, funding="cpf")
    conclusion = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    abandoned = builders.bilan(side_a, status=BilanStatus.ABANDONED)
    named = builders.bilan(
        side_a, beneficiary=builders.beneficiary(side_a, first_name="Zoé", last_name="Zèbre")
    )
    client = bearer(side_a.admin)
    assert ids(client.get(URL, {"status": "conclusion"})) == {str(conclusion.pk)}
    assert str(abandoned.pk) not in ids(client.get(URL, {"status": "open"}))
    assert len(ids(client.get(URL, {"funding": "cpf"}))) == 1
    assert ids(client.get(URL, {"search": "zèbre"})) == {str(named.pk)}
    assert ids(client.get(URL, {"beneficiary": str(named.beneficiary_id)})) == {str(named.pk)}
    response = client.get(URL, {"status": "terminé", "started_after": "hier"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "started_after"}


def test_consultant_opens_a_bilan_for_themselves_by_default(side_a):
    person = builders.beneficiary(side_a)
    response = bearer(side_a.consultant).post(
        URL,
        {"beneficiary": str(person.pk), "funding": "cpf", "started_on": "2026-11-02"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "preliminary"
    assert body["consultants"] == [side_a.consultant.email]
    assert body["ledger"]["total"] == 0.0


def test_admin_assigns_consultants_by_email(side_a, side_b, other_consultant_a):
    person = builders.beneficiary(side_a)
    payload = {"beneficiary": str(person.pk), "funding": "opco", "started_on": "2026-11-02"}
    client = bearer(side_a.admin)
    response = client.post(
        URL, {**payload, "consultants": ["AUTRE-consultant@alpha.test"]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["consultants"] == ["autre-consultant@alpha.test"]
    # A consultant of another organisation is not a choice.
    response = client.post(
        URL, {**payload, "consultants": [side_b.consultant.email]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["consultants"]


def test_another_organisations_beneficiary_is_not_a_choice(side_a, side_b):
    foreign = builders.beneficiary(side_b)
    response = bearer(side_a.consultant).post(
        URL,
        {"beneficiary": str(foreign.pk), "funding": "cpf", "started_on": "2026-11-02"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["beneficiary"]
    with side_b.scope():
        assert not Bilan.objects.filter(beneficiary=foreign).exists()


def test_edit_and_validation(side_a, bilan_a):
    client = bearer(side_a.consultant)
    url = f"{URL}{bilan_a.pk}/"
    response = client.patch(url, {"goals": "Un objectif", "planned_hours": 20}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["goals"] == "Un objectif"
    assert response.json()["planned_hours"] == 20.0
    response = client.patch(url, {"planned_hours": 30, "status": "closed"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"status": ["Champ inconnu."]}
    response = client.patch(url, {"planned_hours": 30}, format="json")
    assert response.status_code == 400
    assert "planned_hours" in response.json()["errors"]
    assert client.put(url, {"goals": "x"}, format="json").status_code == 405
    assert client.delete(url).status_code == 405


def test_phases_through_the_services(side_a):
    bilan = builders.bilan(side_a, goals="")
    client = bearer(side_a.consultant)
    response = client.post(f"{URL}{bilan.pk}/advance/")
    assert response.status_code == 400
    assert "objectifs" in response.json()["detail"]
    client.patch(f"{URL}{bilan.pk}/", {"goals": "Changer de métier"}, format="json")
    assert client.post(f"{URL}{bilan.pk}/advance/").json()["status"] == "investigation"
    response = client.post(f"{URL}{bilan.pk}/abandon/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    response = client.post(f"{URL}{bilan.pk}/abandon/", {"reason": "Déménagement"}, format="json")
    assert response.json()["status"] == "abandoned"
    response = client.post(f"{URL}{bilan.pk}/close/")
    assert response.status_code == 400
    assert response.json()["detail"] == "Seul un bilan dont la synthèse est remise peut être clos."


def test_hours_override_is_for_admins(side_a, bilan_a):
    url = f"{URL}{bilan_a.pk}/hours-override/"
    response = bearer(side_a.consultant).post(url, {"reason": "Besoin"}, format="json")
    assert response.status_code == 403
    response = bearer(side_a.admin).post(url, {"reason": "Situation de handicap"}, format="json")
    assert response.status_code == 200
    assert response.json()["hours_override_reason"] == "Situation de handicap"


def test_beneficiary_reads_but_does_not_write(side_a, bilan_a, beneficiary_user_a):
    client = bearer(beneficiary_user_a)
    assert client.get(f"{URL}{bilan_a.pk}/").status_code == 200
    assert client.patch(f"{URL}{bilan_a.pk}/", {"goals": "x"}, format="json").status_code == 403
    assert client.post(f"{URL}{bilan_a.pk}/advance/").status_code == 403
    response = client.post(
        URL,
        {"beneficiary": str(bilan_a.beneficiary_id), "funding": "cpf", "started_on": "2026-11-02"},
        format="json",
    )
    assert response.status_code == 403
    bilan_a.refresh_from_db()
    assert bilan_a.status == BilanStatus.INVESTIGATION


def test_list_query_count_does_not_grow(side_a, django_assert_max_num_queries):
    client = bearer(side_a.admin)
    builders.bilan(side_a)
    with django_assert_max_num_queries(9):
        assert len(client.get(URL).json()["results"]) == 1
    for _ in range(6):
        builders.bilan(side_a)
    with django_assert_max_num_queries(9):
        assert len(client.get(URL).json()["results"]) == 7


def test_only_admins_change_the_consultants(side_a, bilan_a, other_consultant_a):
    """docs/architecture.md, "Who may do what": the admin assigns and may reassign; a consultant
    may not (not even leave)."""
    url = f"{URL}{bilan_a.pk}/"
    client = bearer(side_a.consultant)
    for consultants in (
        [other_consultant_a.email],  # hand the bilan over
        [side_a.consultant.email, other_consultant_a.email],  # bring a colleague in
        [side_a.admin.email],
        [],
    ):
        response = client.patch(url, {"consultants": consultants, "goals": "x"}, format="json")
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == (
            "Seuls les administrateurs de l'organisation peuvent changer les consultants "
            "d'un bilan."
        )
    bilan_a.refresh_from_db()
    assert list(bilan_a.consultants.all()) == [side_a.consultant]
    assert bilan_a.goals != "x"
    # Resending the same list changes nothing and is allowed, with the other fields.
    response = client.patch(
        url, {"consultants": [side_a.consultant.email], "goals": "Objectif"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["goals"] == "Objectif"
    # The admin reassigns.
    response = bearer(side_a.admin).patch(
        url, {"consultants": [other_consultant_a.email]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["consultants"] == [other_consultant_a.email]
    assert client.get(url).status_code == 404
