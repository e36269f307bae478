"""MFA: an organisation can make TOTP mandatory; once activated, sign-in asks for the code.

TOTP codes are computed from the secret with allauth's own helpers, as an authenticator app would.
"""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.urls import reverse

from accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganisationFactory

LOGIN = reverse("account_login")
DASHBOARD = reverse("dashboard")
ACTIVATE = reverse("mfa_activate_totp")
AUTHENTICATE = reverse("mfa_authenticate")
REAUTHENTICATE = reverse("account_reauthenticate")


def totp_code(secret: str, offset: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def sign_in(client, email: str):
    return client.post(LOGIN, {"login": email, "password": PASSWORD}, follow=True)


def signed_in(client) -> bool:
    return AUTH_SESSION_KEY in client.session


@pytest.fixture
def mfa_side(side_a):
    side_a.organisation.require_mfa = True
    side_a.organisation.save()
    return side_a


def open_activation(client):
    """The activation page. allauth asks for the password again before adding an
    authenticator (a stolen session cookie alone must not lock the owner out with someone
    else's TOTP), then comes back to it."""
    response = client.get(ACTIVATE, follow=True)
    if response.redirect_chain:
        assert response.redirect_chain[-1][0].startswith(REAUTHENTICATE)
        response = client.post(response.redirect_chain[-1][0], {"password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0].startswith(ACTIVATE)
    assert response.status_code == 200
    return response


def activate_totp(client) -> str:
    """Go through allauth's activation page like a person with an authenticator app."""
    response = open_activation(client)
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in response.content.decode()  # shown for manual entry, next to the QR code
    response = client.post(ACTIVATE, {"code": totp_code(secret)}, follow=True)
    assert response.status_code == 200
    return secret


def test_without_require_mfa_nobody_is_redirected(client, side_a):
    assert not side_a.organisation.require_mfa
    response = sign_in(client, side_a.consultant.email)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert not Authenticator.objects.exists()


def test_members_are_sent_to_activation_until_they_have_totp(client, mfa_side):
    response = sign_in(client, mfa_side.consultant.email)
    assert signed_in(client)
    assert any(url.startswith(ACTIVATE) for url, _ in response.redirect_chain)
    body = open_activation(client).content.decode()
    assert "Activer la double authentification" in body
    assert f"{mfa_side.organisation.name} exige la double authentification" in body

    # Every page of the application keeps sending them there.
    for path in (DASHBOARD, "/", reverse("admin:index")):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(ACTIVATE), path

    # allauth's own pages (sign-out, password) stay reachable.
    assert client.get(reverse("account_change_password")).status_code == 200


def test_wrong_code_does_not_activate(client, mfa_side):
    sign_in(client, mfa_side.consultant.email)
    open_activation(client)
    secret = client.session[SECRET_SESSION_KEY]
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    response = client.post(ACTIVATE, {"code": wrong})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Authenticator.objects.filter(user=mfa_side.consultant).exists()
    assert client.get(DASHBOARD)["Location"].startswith(ACTIVATE)


def test_activation_then_sign_in_asks_for_the_code(client, mfa_side):
    user = mfa_side.consultant
    sign_in(client, user.email)
    secret = activate_totp(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Recovery codes are generated with the first authenticator.
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert mfa_side.organisation.name in response.content.decode()

    client.post(reverse("account_logout"))
    assert not signed_in(client)

    # The password alone no longer signs in: allauth asks for the code.
    response = sign_in(client, user.email)
    assert response.redirect_chain[-1][0] == AUTHENTICATE
    assert not signed_in(client)
    assert client.get(DASHBOARD)["Location"].startswith(LOGIN)

    # A wrong code is refused...
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    response = client.post(AUTHENTICATE, {"code": wrong})
    assert not signed_in(client)
    assert response.context["form"].errors

    # ...the right one lets them in.
    response = client.post(AUTHENTICATE, {"code": totp_code(secret)}, follow=True)
    assert signed_in(client)
    assert response.redirect_chain[-1][0] == DASHBOARD


def test_a_recovery_code_also_signs_in(client, mfa_side):
    user = mfa_side.consultant
    TOTP.activate(user, generate_totp_secret())
    codes = RecoveryCodes.activate(user).get_unused_codes()
    response = sign_in(client, user.email)
    assert response.redirect_chain[-1][0] == AUTHENTICATE
    response = client.post(AUTHENTICATE, {"code": codes[0]}, follow=True)
    assert signed_in(client)
    assert response.redirect_chain[-1][0] == DASHBOARD


def test_login_by_code_still_asks_for_the_second_factor(client, mfa_side, mailoutbox):
    import re

    user = mfa_side.consultant
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    client.post(reverse("account_request_login_code"), {"email": user.email})
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", mailoutbox[0].body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code}, follow=True)
    assert response.redirect_chain[-1][0] == AUTHENTICATE
    assert not signed_in(client)
    client.post(AUTHENTICATE, {"code": totp_code(secret)})
    assert signed_in(client)


def test_admins_of_the_organisation_are_held_to_it_too(client, mfa_side):
    client.force_login(mfa_side.admin)
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(ACTIVATE)


def test_other_organisations_are_not_affected(client, mfa_side, side_b):
    client.force_login(side_b.consultant)
    assert client.get(DASHBOARD).status_code == 200


def test_the_requirement_follows_the_chosen_organisation(client, mfa_side):
    # A freelance consultant in a relaxed organisation and in one that requires MFA.
    relaxed = OrganisationFactory(slug="souple", name="Souple Conseil")
    freelance = MembershipFactory(organisation=relaxed, role=Role.CONSULTANT).user
    MembershipFactory(organisation=mfa_side.organisation, user=freelance, role=Role.CONSULTANT)
    client.force_login(freelance)
    client.post(reverse("switch_organisation"), {"organisation": str(relaxed.pk)})
    assert client.get(DASHBOARD).status_code == 200
    client.post(reverse("switch_organisation"), {"organisation": str(mfa_side.organisation.pk)})
    assert client.get(DASHBOARD)["Location"].startswith(ACTIVATE)


def test_the_redirect_keeps_where_they_were_going(client, mfa_side):
    client.force_login(mfa_side.consultant)
    response = client.get(DASHBOARD + "?filtre=a&page=2")
    location = response["Location"]
    assert location.startswith(ACTIVATE + "?next=")
    # The whole target survives as one parameter (the & is encoded).
    assert "&page=2" not in location


def test_platform_staff_without_membership_are_not_redirected(client, platform_staff, mfa_side):
    client.force_login(platform_staff)
    assert client.get(reverse("admin:index")).status_code == 200
