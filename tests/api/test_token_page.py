"""The account page where people create, see and revoke their API tokens."""

from __future__ import annotations

from django.test import Client

from api.models import ApiToken
from tests.api.conftest import bearer


def test_create_a_token_shown_once(client: Client, side_a):
    client.force_login(side_a.consultant)
    page = client.get("/compte/jetons-api/")
    assert page.status_code == 200
    assert "Vous n'avez encore créé aucun jeton." in page.content.decode()
    response = client.post("/compte/jetons-api/", {"name": "Tableur", "days": "90"}, follow=True)
    body = response.content.decode()
    token = ApiToken.objects.get(user=side_a.consultant)
    assert token.name == "Tableur"
    raw = body.split('id="new-token"')[1].split('value="')[1].split('"')[0]
    assert raw.startswith("psl_")
    assert token.key_prefix in raw
    assert "Copiez-le maintenant" in body
    # Shown once: the next visit lists it without the secret.
    again = client.get("/compte/jetons-api/").content.decode()
    assert raw not in again
    assert "Tableur" in again
    assert "Actif" in again
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/me/").status_code == 200


def test_form_errors_are_in_french_and_keep_input(client: Client, side_a):
    client.force_login(side_a.consultant)
    response = client.post("/compte/jetons-api/", {"name": "Mon outil", "days": "1000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Votre formulaire contient une erreur" in body
    assert 'value="Mon outil"' in body
    assert not ApiToken.objects.exists()


def test_revoke_a_token(client: Client, side_a):
    api = bearer(side_a.consultant)
    token = ApiToken.objects.get()
    client.force_login(side_a.consultant)
    response = client.post(f"/compte/jetons-api/{token.pk}/revoquer/", follow=True)
    assert "est révoqué" in response.content.decode()
    assert "Révoqué" in response.content.decode()
    assert api.get("/api/v1/me/").status_code == 401


def test_another_persons_token_is_404(client: Client, side_a, side_b):
    bearer(side_a.consultant)
    token = ApiToken.objects.get()
    for user in (side_a.admin, side_b.consultant):
        client.force_login(user)
        assert client.post(f"/compte/jetons-api/{token.pk}/revoquer/").status_code == 404
        assert token.pk.hex not in client.get("/compte/jetons-api/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_page_needs_sign_in_and_is_in_the_user_menu(client: Client, side_a):
    response = client.get("/compte/jetons-api/")
    assert response.status_code == 302
    client.force_login(side_a.consultant)
    assert 'href="/compte/jetons-api/"' in client.get("/tableau-de-bord/").content.decode()
