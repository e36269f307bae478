"""Tokens: issued for email + password, stored hashed, expiring, revocable; the organisation of
each request; the scope always left."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.viewsets import ScopedViewSet
from core import tenancy
from core.tokens import hash_token
from tests.api.conftest import bearer
from tests.factories import PASSWORD, MembershipFactory, UserFactory

TOKEN_URL = "/api/v1/auth/token/"


def ask_token(email: str, password: str = PASSWORD, **extra):
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password, **extra}, format="json"
    )


def test_token_for_email_and_password(side_a):
    response = ask_token("CONSULTANT@alpha.test", name="Mon SI")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"].startswith("psl_")
    assert body["organisations"] == [
        {"slug": "alpha", "name": "Alpha Bilans", "role": "consultant"}
    ]
    token = ApiToken.objects.get()
    assert token.user == side_a.consultant
    assert token.name == "Mon SI"
    # Stored hashed: the raw value is nowhere in the table.
    assert token.token_hash == hash_token(body["token"])
    assert not ApiToken.objects.filter(token_hash=body["token"]).exists()
    expected = timezone.now() + timedelta(days=30)
    assert abs(token.expires_at - expected) < timedelta(minutes=1)
    assert body["expires_at"].startswith(timezone.localtime(token.expires_at).strftime("%Y-%m-%d"))
    me = APIClient(headers={"Authorization": f"Bearer {body['token']}"}).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["organisation"] == "alpha"
    assert me.json()["role"] == "consultant"


def test_expiry_follows_the_setting(side_a, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    response = ask_token("consultant@alpha.test")
    token = ApiToken.objects.get()
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("email", "password"),
    [("consultant@alpha.test", "wrong-password"), ("nobody@alpha.test", PASSWORD)],
)
def test_wrong_credentials_give_a_french_400(side_a, email, password):
    response = ask_token(email, password)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Adresse e-mail ou mot de passe incorrect."
    assert body["errors"] == {"non_field_errors": ["Adresse e-mail ou mot de passe incorrect."]}
    assert not ApiToken.objects.exists()


def test_token_request_validation(side_a):
    response = APIClient().post(TOKEN_URL, {"email": "pas-une-adresse"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["email"] == ["Saisissez une adresse e-mail valide."]
    assert errors["password"] == ["Ce champ est obligatoire."]
    response = ask_token("consultant@alpha.test", scope="admin")
    assert response.status_code == 400
    assert response.json()["errors"] == {"scope": ["Champ inconnu."]}


def test_token_requests_are_throttled_per_email(side_a):
    codes = [ask_token("consultant@alpha.test", "nope").status_code for _ in range(6)]
    assert codes == [400] * 5 + [429]
    response = ask_token("consultant@alpha.test")
    assert response.status_code == 429
    assert (
        "Nouvel essai dans" in response.json()["detail"] or "Requête" in response.json()["detail"]
    )
    assert response.json()["code"] == "throttled"


def test_token_requests_are_throttled_per_address(side_a, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token_ip": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [ask_token(f"x{n}@alpha.test", "nope").status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]


def test_accounts_with_totp_get_tokens_from_their_account_page(side_a):
    Authenticator.objects.create(user=side_a.consultant, type=Authenticator.Type.TOTP, data={})
    response = ask_token("consultant@alpha.test")
    assert response.status_code == 400
    assert "double authentification" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_organisations_requiring_mfa_refuse_password_tokens(side_a):
    side_a.organisation.require_mfa = True
    side_a.organisation.save()
    response = ask_token("consultant@alpha.test")
    assert response.status_code == 400
    assert "exige la double authentification" in response.json()["detail"]


def test_unverified_addresses_get_no_token(side_a):
    side_a.consultant.emailaddress_set.update(verified=False)
    response = ask_token("consultant@alpha.test")
    assert response.status_code == 400
    assert "Confirmez" in response.json()["detail"]


def test_requests_without_a_token_get_401_with_the_scheme(side_a):
    response = APIClient().get("/api/v1/bilans/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "not_authenticated"
    assert "Authorization" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer psl_nimportequoi", "Bearer", "Bearer a b", "Bearer \u00e9t\u00e9"],
)
def test_invalid_tokens_get_401(side_a, header):
    response = APIClient().get("/api/v1/bilans/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_expired_tokens_are_refused(side_a):
    client = bearer(side_a.consultant)
    assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Ce jeton a expiré")


def test_revoked_tokens_are_refused(side_a):
    client = bearer(side_a.consultant)
    assert client.delete(TOKEN_URL).status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Ce jeton a été révoqué."


def test_deactivated_accounts_are_refused(side_a):
    client = bearer(side_a.consultant)
    side_a.consultant.is_active = False
    side_a.consultant.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_last_use_is_recorded(side_a):
    client = bearer(side_a.consultant)
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/v1/me/")
    assert ApiToken.objects.get().last_used_at is not None


# --- The organisation of each request --------------------------------------------------------


@pytest.fixture
def freelance(side_a, side_b):
    user = UserFactory(email="freelance@example.test")
    MembershipFactory(organisation=side_a.organisation, user=user)
    MembershipFactory(organisation=side_b.organisation, user=user)
    return user


def test_several_memberships_must_name_the_organisation(freelance):
    response = bearer(freelance).get("/api/v1/bilans/")
    assert response.status_code == 400
    assert response.json()["code"] == "organisation_required"
    assert "X-Organisation" in response.json()["detail"]
    assert "alpha" in response.json()["detail"]
    assert "beta" in response.json()["detail"]


def test_the_header_chooses_the_organisation(freelance):
    for slug in ("alpha", "beta"):
        response = bearer(freelance, HTTP_X_ORGANISATION=slug).get("/api/v1/me/")
        assert response.status_code == 200
        assert response.json()["organisation"] == slug


def test_an_organisation_one_is_not_member_of_is_403(side_a, side_b):
    for slug in ("beta", "inconnue"):
        response = bearer(side_a.consultant, HTTP_X_ORGANISATION=slug).get("/api/v1/bilans/")
        assert response.status_code == 403
        assert response.json()["detail"] == (
            f"Vous n'êtes pas membre de l'organisation « {slug} »."
        )


def test_the_header_is_optional_with_one_membership(side_a):
    response = bearer(side_a.consultant, HTTP_X_ORGANISATION="alpha").get("/api/v1/me/")
    assert response.json()["organisation"] == "alpha"


def test_platform_staff_without_membership_see_nothing(platform_staff):
    response = bearer(platform_staff).get("/api/v1/bilans/")
    assert response.status_code == 403
    assert "aucune organisation" in response.json()["detail"]


def test_sessions_use_the_organisation_chosen_in_the_application(client, freelance, side_b):
    client.force_login(freelance)
    session = client.session
    session["organisation_id"] = str(side_b.organisation.pk)
    session.save()
    assert client.get("/api/v1/me/").json()["organisation"] == "beta"


# --- The scope is always left ----------------------------------------------------------------


def test_the_scope_is_reset_after_each_request(side_a, bilan_a):
    client = bearer(side_a.consultant)
    assert tenancy.current_organisation() is None
    assert client.get("/api/v1/bilans/").status_code == 200
    assert tenancy.current_organisation() is None
    assert client.get("/api/v1/bilans/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert tenancy.current_organisation() is None
    assert (
        client.post("/api/v1/beneficiaries/", "{", content_type="application/json").status_code
        == 400
    )
    assert tenancy.current_organisation() is None


def test_subclasses_cannot_take_over_the_queryset():
    with pytest.raises(TypeError, match="scoped_queryset"):

        class Careless(ScopedViewSet):
            def get_queryset(self):
                return []

    with pytest.raises(TypeError):

        class Careless2(ScopedViewSet):
            def initial(self, request, *args, **kwargs):
                pass


def test_organisations_requiring_mfa_refuse_accounts_without_it(client, side_a):
    api = bearer(side_a.consultant)  # issued before the organisation required MFA
    side_a.organisation.require_mfa = True
    side_a.organisation.save()
    response = api.get("/api/v1/bilans/")
    assert response.status_code == 403
    assert "exige la double authentification" in response.json()["detail"]
    client.force_login(side_a.consultant)
    assert client.get("/api/v1/bilans/").status_code == 403
    Authenticator.objects.create(user=side_a.consultant, type=Authenticator.Type.TOTP, data={})
    assert api.get("/api/v1/bilans/").status_code == 200
