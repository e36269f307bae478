"""An integrator does, through the API alone, what a consultant does in the dashboard: from a
new beneficiary to the follow-up interview, then the beneficiary reads and comments."""

from __future__ import annotations

from rest_framework.test import APIClient

from bilan.models import Beneficiary
from tests.api.conftest import link_portal_user
from tests.bilan import builders
from tests.factories import PASSWORD


def test_a_whole_bilan_through_the_api(side_a):
    token = (
        APIClient()
        .post(
            "/api/v1/auth/token/",
            {"email": side_a.consultant.email, "password": PASSWORD},
            format="json",
        )
        .json()["token"]
    )
    api = APIClient(headers={"Authorization": f"Bearer {token}", "X-Organisation": "alpha"})

    def call(method: str, path: str, expected: int = 200, **data):
        response = getattr(api, method)(f"/api/v1/{path}", data or None, format="json")
        assert response.status_code == expected, (path, response.content)
        return response

    person = call(
        "post",
        "beneficiaries/",
        201,
        first_name="Léa",
        last_name="Dubois",
        email="lea@example.fr",
        employment_status="job_seeker",
        consent_given_on="2030-01-02",
        consent_method="cpf",
    ).json()
    bilan = call(
        "post",
        "bilans/",
        201,
        beneficiary=person["id"],
        funding="cpf",
        started_on="2030-01-06",
        goals="Changer de métier",
    ).json()
    b = f"bilans/{bilan['id']}/"
    for day, phase in ((7, "preliminary"), (14, "investigation"), (21, "conclusion")):
        call(
            "post",
            f"{b}meetings/",
            201,
            phase=phase,
            starts_at=f"2030-01-{day}T10:00:00+01:00",
            duration_minutes=300,
            mode="in_person",
        )
        if phase != "conclusion":
            call("post", f"{b}advance/")
    assert call("get", b).json()["ledger"]["total"] == 15.0
    call("put", f"{b}synthesis/", **builders.SECTIONS)
    action = call("post", f"{b}actions/", 201, title="S'inscrire à la formation").json()
    delivered = call("post", f"{b}synthesis/deliver/", follow_up_accepted=True).json()
    assert delivered["pdf_url"]
    pdf = api.get(f"/api/v1/{b}synthesis/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    follow_up = call("get", f"followups/?bilan={bilan['id']}").json()["results"][0]
    assert follow_up["state"] == "scheduled"
    call("post", f"followups/{follow_up['id']}/invite/")
    call(
        "put",
        f"followups/{follow_up['id']}/interview/",
        held_on="2030-07-20",
        mode="video",
        action_progress={action["id"]: {"status": "done", "comment": "Inscrite."}},
        results_vs_goals="Objectif atteint.",
        outcome="achieved",
    )
    assert call("get", f"followups/{follow_up['id']}/").json()["state"] == "held"

    # The beneficiary, with their own token, reads, comments and updates their plan.
    with side_a.scope():
        beneficiary = Beneficiary.objects.get(pk=person["id"])
    user = link_portal_user(side_a, beneficiary)
    mine = APIClient()
    mine.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json")
    token = mine.post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json"
    ).json()["token"]
    mine.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert mine.get(f"/api/v1/{b}synthesis/").json()["project"] == builders.SECTIONS["project"]
    assert mine.put(f"/api/v1/{b}synthesis/comment/", {"comment": "Merci"}).status_code == 200
    response = mine.patch(f"/api/v1/{b}actions/{action['id']}/", {"notes": "Cours en mars"})
    assert response.json()["notes"] == "Cours en mars"
    assert mine.get("/api/v1/me/").json()["role"] == "beneficiary"
