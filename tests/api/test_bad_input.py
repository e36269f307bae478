"""Bad input gets a 4xx with a French message and the field at fault, changes nothing, and is
never a 500."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import DataError
from rest_framework.test import APIRequestFactory

from api.exceptions import exception_handler
from bilan.models import Beneficiary, BilanStatus
from tests.api.conftest import bearer
from tests.bilan import builders

URL = "/api/v1/beneficiaries/"
NEW = {
    "first_name": "Léa",
    "last_name": "Dubois",
    "email": "lea@example.fr",
    "employment_status": "cdi",
    "consent_given_on": "2026-11-02",
    "consent_method": "signed",
}


def count(side) -> int:
    with side.scope():
        return Beneficiary.objects.count()


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ('{"first_name": ', 400, "n'est pas un JSON valide"),
        ("[1, 2, 3]", 400, "Attendait un dictionnaire"),
        ('"texte"', 400, "Attendait un dictionnaire"),
        ('{"first_name": NaN}', 400, "n'est pas un JSON valide"),
        ('{"first_name": "\\ud800"}', 400, "caractères invalides"),
        ("[" * 5000 + "]" * 5000, 400, "JSON valide"),
        ('{"a":' * 30 + "1" + "}" * 30, 400, "trop imbriqué"),
    ],
)
def test_malformed_bodies(side_a, body, status, expected):
    response = bearer(side_a.consultant).post(URL, body, content_type="application/json")
    assert response.status_code == status, response.content
    assert expected in response.json()["detail"]
    assert count(side_a) == 0


def test_wrong_types_name_the_fields(side_a):
    payload = {**NEW, "consent_given_on": 20261102, "keeps_documents_for_follow_up": "souvent"}
    response = bearer(side_a.consultant).post(URL, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"consent_given_on", "keeps_documents_for_follow_up"}
    assert count(side_a) == 0


def test_unknown_fields_are_refused(side_a):
    response = bearer(side_a.consultant).post(URL, {**NEW, "organisation": "beta"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "organisation : Champ inconnu.",
        "code": "invalid",
        "errors": {"organisation": ["Champ inconnu."]},
    }
    assert count(side_a) == 0


def test_null_characters_are_refused(side_a):
    response = bearer(side_a.consultant).post(
        URL, {**NEW, "last_name": "Du\x00bois"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["last_name"]


def test_huge_payloads_get_413(side_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = json.dumps({**NEW, "current_job": "x" * (2 * 1024 * 1024)})
    response = bearer(side_a.consultant).post(URL, body, content_type="application/json")
    assert response.status_code == 413
    assert "taille maximale" in response.json()["detail"]
    assert count(side_a) == 0


def test_too_long_values_name_the_field(side_a):
    response = bearer(side_a.consultant).post(URL, {**NEW, "phone": "0" * 500}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phone"]


def test_other_content_types_get_415(side_a):
    response = bearer(side_a.consultant).post(URL, "first_name=Léa", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_ids_that_are_not_uuids_are_404(side_a):
    response = bearer(side_a.consultant).get("/api/v1/bilans/123/")
    assert response.status_code == 404
    response = bearer(side_a.consultant).get("/api/v1/bilans/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Ressource introuvable.",
        "code": "not_found",
        "errors": {},
    }


def test_unknown_methods_are_405_in_french(side_a):
    response = bearer(side_a.consultant).put(URL, NEW, format="json")
    assert response.status_code == 405
    assert "non autorisée" in response.json()["detail"]


def test_throttling_per_user(side_a, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = bearer(side_a.consultant)
    codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert bearer(side_a.admin).get("/api/v1/me/").status_code == 200  # per user


def test_options_and_head_never_fail(side_a):
    from bilan.models import BilanStatus
    from tests.bilan import builders

    bilan = builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with side_a.scope():
        meeting = bilan.meetings.first()
        follow_up = bilan.follow_ups.first()
    client = bearer(side_a.consultant)
    paths = [
        "/api/v1/me/",
        URL,
        f"{URL}{bilan.beneficiary_id}/",
        "/api/v1/bilans/",
        f"/api/v1/bilans/{bilan.pk}/",
        f"/api/v1/bilans/{bilan.pk}/meetings/",
        f"/api/v1/bilans/{bilan.pk}/meetings/{meeting.pk}/",
        f"/api/v1/bilans/{bilan.pk}/synthesis/",
        f"/api/v1/bilans/{bilan.pk}/synthesis/pdf/",
        f"/api/v1/bilans/{bilan.pk}/actions/",
        "/api/v1/followups/",
        f"/api/v1/followups/{follow_up.pk}/",
        f"/api/v1/followups/{follow_up.pk}/interview/",
    ]
    for path in paths:
        assert client.options(path).status_code in (200, 405), path
        assert client.head(path).status_code in (200, 404, 405), path


def test_paths_without_the_final_slash_say_so(side_a):
    response = bearer(side_a.consultant).get("/api/v1/bilans")
    assert response.status_code == 404
    assert "finissent par « / » (/api/v1/bilans/)" in response.json()["detail"]
    response = bearer(side_a.consultant).post("/api/v1/nimportequoi/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] == "Ressource introuvable."


# --- Query strings the database cannot hold: 400, never a 500 ---------------------------------


def cursor(query: str) -> str:
    """A cursor as DRF encodes it (base64 of its query string), with a chosen position."""
    return base64.b64encode(query.encode("ascii")).decode("ascii")


@pytest.mark.parametrize(
    "position",
    ["garbage", "99999999999999999999", "9" * 400, "1e3", "-1"],
)
def test_a_cursor_position_that_is_not_an_integer_is_refused(side_a, position):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    client = bearer(side_a.consultant)
    url = f"/api/v1/bilans/{bilan.pk}/actions/"
    response = client.get(url, {"cursor": cursor(f"o=0&r=0&p={position}")})
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"cursor": ["Curseur de pagination invalide."]}
    assert "Curseur de pagination invalide." in response.json()["detail"]
    # A real cursor still works, and the connection is still usable after the refusal.
    assert client.get(url, {"cursor": cursor("o=0&r=0&p=0")}).status_code == 200


@pytest.mark.parametrize("position", ["garbage", "9999-12-31 23:59:59-12:00", "2026-13-45"])
def test_a_cursor_position_that_is_not_a_date_is_refused(side_a, position):
    builders.bilan(side_a)
    response = bearer(side_a.consultant).get(
        "/api/v1/bilans/", {"cursor": cursor(f"o=0&r=0&p={position}")}
    )
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"cursor": ["Curseur de pagination invalide."]}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("after", "9999-12-31T23:59:59-12:00"),
        ("before", "0001-01-01T00:00:00+14:00"),
        ("after", "pas une date"),
    ],
)
def test_meeting_filter_dates_beyond_what_the_database_stores(side_a, name, value):
    bilan = builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    client = bearer(side_a.consultant)
    response = client.get(f"/api/v1/bilans/{bilan.pk}/meetings/", {name: value})
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [name]
    ok = client.get(f"/api/v1/bilans/{bilan.pk}/meetings/", {name: "9999-12-31T23:59:59+00:00"})
    assert ok.status_code == 200


def test_meeting_filter_offsets_postgresql_refuses_are_compared_in_utc(side_a):
    """Python parses offsets up to ±23:59, PostgreSQL takes ±15:59: found by schemathesis
    (a 500 that left the transaction aborted)."""
    bilan = builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    client = bearer(side_a.consultant)
    url = f"/api/v1/bilans/{bilan.pk}/meetings/"
    every = client.get(url).json()["results"]
    assert every  # the builder logs meetings
    later = client.get(url, {"before": "9000-01-01T00:00:00-21:38"})
    assert later.status_code == 200, later.content
    assert [m["id"] for m in later.json()["results"]] == [m["id"] for m in every]
    earlier = client.get(url, {"before": "1563-11-29T01:18:04-21:38"})
    assert earlier.status_code == 200, earlier.content
    assert earlier.json()["results"] == []


def test_database_range_errors_are_400_as_a_last_resort():
    request = APIRequestFactory().get("/api/v1/bilans/")
    for error in (DataError("integer out of range"), OverflowError("date value out of range")):
        response = exception_handler(error, {"request": request})
        assert response.status_code == 400
        assert response.data["detail"] == "Une valeur de la requête est hors des limites acceptées."
