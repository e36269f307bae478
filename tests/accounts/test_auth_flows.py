"""Sign-in, sign-out, sign-up (closed), password reset and login by emailed code, end to end.

Real allauth views, the real database and Django's test outbox: nothing is mocked.
"""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.urls import reverse

from accounts.models import User
from tests.accounts.conftest import links_in, messages_of, path_of
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
DASHBOARD = reverse("dashboard")


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"login": email, "password": password, **extra}, follow=True)


def signed_in_user_id(client) -> str | None:
    return client.session.get(AUTH_SESSION_KEY)


# --- Sign-in and sign-out --------------------------------------------------------------------


def test_sign_in_page_is_french_and_uses_the_app_layout(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "Connexion" in body
    assert "Se connecter" in body
    assert 'class="skip-link"' in body  # our base.html, not allauth's bare layout


def test_consultant_signs_in_and_lands_on_the_dashboard(client, side_a):
    response = sign_in(client, side_a.consultant.email)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert signed_in_user_id(client) == str(side_a.consultant.pk)
    assert side_a.organisation.name in response.content.decode()


def test_email_is_case_insensitive_at_sign_in(client, side_a):
    response = sign_in(client, side_a.consultant.email.upper())
    assert response.redirect_chain[-1][0] == DASHBOARD


def test_sign_out_needs_a_post(client, side_a):
    client.force_login(side_a.consultant)
    response = client.get(LOGOUT)
    # GET only shows the confirmation page (ACCOUNT_LOGOUT_ON_GET = False).
    assert response.status_code == 200
    assert signed_in_user_id(client) == str(side_a.consultant.pk)

    response = client.post(LOGOUT, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert signed_in_user_id(client) is None
    assert client.get(DASHBOARD)["Location"].startswith(LOGIN)


def test_wrong_password_gives_a_french_error(client, side_a):
    response = sign_in(client, side_a.consultant.email, "not-the-password")
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    body = response.content.decode()
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in body


def test_unknown_account_gives_the_same_error(client, db):
    response = sign_in(client, "personne@inconnu.test", "whatever-password")
    assert signed_in_user_id(client) is None
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in response.content.decode()


def test_inactive_account_cannot_sign_in(client, side_a):
    User.objects.filter(pk=side_a.consultant.pk).update(is_active=False)
    sign_in(client, side_a.consultant.email)
    assert signed_in_user_id(client) is None


def test_staff_with_an_unverified_email_cannot_sign_in(client, side_a, mailoutbox):
    EmailAddress.objects.filter(user=side_a.admin).update(verified=False)
    response = sign_in(client, side_a.admin.email)
    assert signed_in_user_id(client) is None
    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    # A confirmation link goes out instead, in French.
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [side_a.admin.email]
    assert message.subject.startswith("[Passerelle] ")

    # Following it verifies the address; the password then opens the door.
    confirm = next(link for link in links_in(message) if "/confirm-email/" in link)
    client.post(path_of(confirm))
    assert EmailAddress.objects.get(user=side_a.admin).verified
    response = sign_in(client, side_a.admin.email)
    assert signed_in_user_id(client) == str(side_a.admin.pk)


def test_a_user_without_any_email_record_is_treated_as_unverified(client, side_a):
    EmailAddress.objects.filter(user=side_a.consultant).delete()
    sign_in(client, side_a.consultant.email)
    assert signed_in_user_id(client) is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_there_is_no_open_sign_up(client, db, method):
    data = {
        "email": "nouveau@example.test",
        "password1": "un-mot-de-passe-solide-42",
        "password2": "un-mot-de-passe-solide-42",
    }
    response = getattr(client, method)(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert "Inscription sur invitation" in response.content.decode()
    assert not User.objects.filter(email="nouveau@example.test").exists()
    assert signed_in_user_id(client) is None


def test_home_sends_visitors_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN


def test_next_parameter_is_honoured_but_never_leaves_the_site(client, side_a):
    response = client.post(
        f"{LOGIN}?next=https://evil.example/",
        {"login": side_a.consultant.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


# --- Password reset ------------------------------------------------------------------------


def test_password_reset_end_to_end(client, side_a, mailoutbox):
    user = side_a.consultant
    response = client.post(reverse("account_reset_password"), {"email": user.email}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("account_reset_password_done")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert "mot de passe" in message.subject.lower()

    link = next(link for link in links_in(message) if "/password/reset/key/" in link)
    response = client.get(path_of(link), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]  # allauth hides the key behind a session redirect
    new_password = "un-tout-nouveau-mot-de-passe-2024"
    response = client.post(
        form_url, {"password1": new_password, "password2": new_password}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("account_reset_password_from_key_done")
    # ACCOUNT_LOGIN_ON_PASSWORD_RESET is off: not signed in yet.
    assert signed_in_user_id(client) is None

    user.refresh_from_db()
    assert user.check_password(new_password)
    assert signed_in_user_id(client) is None
    sign_in(client, user.email, PASSWORD)
    assert signed_in_user_id(client) is None, "the old password still works"
    response = sign_in(client, user.email, new_password)
    assert signed_in_user_id(client) == str(user.pk)
    assert response.redirect_chain[-1][0] == DASHBOARD

    # The link works once.
    client.logout()
    response = client.get(path_of(link), follow=True)
    assert response.context["token_fail"]
    assert signed_in_user_id(client) is None


def test_password_reset_for_an_unknown_address_reveals_nothing(client, db, mailoutbox):
    response = client.post(
        reverse("account_reset_password"), {"email": "inconnu@example.test"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account_reset_password_done")
    # allauth may tell the unknown address that it has no account, never the requester.
    assert all(m.to == ["inconnu@example.test"] for m in mailoutbox)


# --- Login by emailed code -------------------------------------------------------------------


def _code_from(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def test_login_by_emailed_code(client, side_a, mailoutbox):
    user = side_a.consultant
    response = client.post(
        reverse("account_request_login_code"), {"email": user.email}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account_confirm_login_code")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [user.email]
    assert signed_in_user_id(client) is None

    response = client.post(
        reverse("account_confirm_login_code"), {"code": _code_from(message)}, follow=True
    )
    assert signed_in_user_id(client) == str(user.pk)
    assert response.redirect_chain[-1][0] == DASHBOARD


def test_login_code_is_refused_when_wrong(client, side_a, mailoutbox):
    client.post(reverse("account_request_login_code"), {"email": side_a.consultant.email})
    real = _code_from(mailoutbox[0])
    wrong = "AAAA-AAAA" if real != "AAAA-AAAA" else "BBBB-BBBB"
    response = client.post(reverse("account_confirm_login_code"), {"code": wrong})
    assert signed_in_user_id(client) is None
    assert response.status_code == 200
    assert response.context["form"].errors


def test_login_code_for_an_unknown_address_signs_nobody_in(client, db, mailoutbox):
    client.post(reverse("account_request_login_code"), {"email": "inconnu@example.test"})
    assert all(m.to == ["inconnu@example.test"] for m in mailoutbox)
    assert signed_in_user_id(client) is None


def test_sign_in_messages_are_french(client, side_a):
    response = sign_in(client, side_a.consultant.email)
    assert any("Connexion" in m or "connecté" in m for m in messages_of(response))


def test_demo_accounts_sign_in_with_the_password_alone(client, db):
    from accounts.demo import DEMO_PASSWORD, seed_accounts

    seed_accounts()
    response = sign_in(client, "consultant@cap-avenir.test", DEMO_PASSWORD)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "Cap Avenir" in response.content.decode()


def test_user_factory_accounts_are_verified(db):
    user = UserFactory()
    assert EmailAddress.objects.get(user=user).verified


def _html_part(message) -> str:
    htmls = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(htmls) == 1, "every message has an HTML part"
    return htmls[0]


@pytest.mark.parametrize(
    ("flow", "needle"),
    [
        ("login_code", "code de connexion"),
        ("reset", "réinitialiser le mot de passe"),
        ("unknown", "Aucun compte n'est ouvert"),
        ("confirm", "confirmer votre adresse"),
    ],
)
def test_allauth_emails_are_french_with_text_and_html(client, side_a, mailoutbox, flow, needle):
    if flow == "login_code":
        client.post(reverse("account_request_login_code"), {"email": side_a.consultant.email})
    elif flow == "reset":
        client.post(reverse("account_reset_password"), {"email": side_a.consultant.email})
    elif flow == "unknown":
        client.post(reverse("account_reset_password"), {"email": "inconnu@example.test"})
    else:
        EmailAddress.objects.filter(user=side_a.admin).update(verified=False)
        sign_in(client, side_a.admin.email)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    html = _html_part(message)
    for part in (message.body, html):
        assert "Bonjour" in part
        assert needle.lower() in part.lower().replace("&#x27;", "'")
        assert "testserver" not in part.replace("http://testserver/", "")
        assert "sign up" not in part.lower()
    assert message.subject.startswith("[Passerelle] ")
