"""Access to the portal: the consultant's invitation, the single-use link that sets the
password, then the ordinary sign-in (password or emailed code)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from bilan.models import Beneficiary
from bilan.panels import _beneficiary_panels
from core.tokens import hash_token
from portal import services
from portal.models import PortalInvitation
from portal.panels import access_panel
from tests.portal.helpers import make_person

PASSWORD = "Un-mot-de-passe-solide-42"


def invite(client, side, person, captured):
    client.force_login(side.consultant)
    with captured(execute=True):
        response = client.post(
            reverse("portal:invite", args=[person.beneficiary.pk]),
            {"next": f"/beneficiaires/{person.beneficiary.pk}/"},
        )
    client.logout()
    return response


def link_from(message) -> str:
    return re.search(r"http://\S+/mon-espace/activer/\S+/", message.body).group(0)


@pytest.fixture
def paul(side_a):
    return make_person(side_a, first_name="Paul", last_name="Invité", with_user=False)


def test_consultant_invites_and_the_beneficiary_sets_a_password(
    client, side_a, paul, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(client, side_a, paul, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == f"/beneficiaires/{paul.beneficiary.pk}/"

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [paul.beneficiary.email]
    assert "Votre espace personnel" in message.subject
    assert message.alternatives[0][1] == "text/html"
    url = link_from(message)
    raw = url.rstrip("/").rsplit("/", 1)[1]
    invitation = PortalInvitation.objects.unscoped().get(beneficiary=paul.beneficiary)
    assert invitation.token_hash == hash_token(raw)  # only the digest is stored
    assert raw not in str(PortalInvitation.objects.unscoped().values_list())

    path = url.replace("http://testserver", "").split("127.0.0.1:8000")[-1]
    page = client.get(path)  # a mail scanner's prefetch changes nothing
    assert page.status_code == 200
    assert "Choisissez maintenant votre mot de passe" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is None

    mismatch = client.post(path, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert mismatch.status_code == 200
    assert "Votre formulaire contient une erreur" in mismatch.content.decode()
    assert "ne correspondent pas" in mismatch.content.decode()
    assert not User.objects.filter(email=paul.beneficiary.email).exists()

    done = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("portal:home")
    user = User.objects.get(email=paul.beneficiary.email)
    assert user.check_password(PASSWORD)
    assert (user.first_name, user.last_name) == ("Paul", "Invité")
    assert EmailAddress.objects.get(user=user).verified
    assert Beneficiary.objects.unscoped().get(pk=paul.beneficiary.pk).user == user
    assert client.get(reverse("portal:home")).status_code == 200  # signed in

    client.logout()
    again = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 410  # single use
    assert "Ce lien n'est plus valable" in again.content.decode()

    # Later: the ordinary sign-in with email and password lands on the portal.
    signed = client.post(
        reverse("account_login"), {"login": paul.beneficiary.email, "password": PASSWORD}
    )
    assert signed.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("portal:home")


def test_an_expired_link_is_refused(client, side_a, paul):
    with side_a.scope():
        sent = services.invite_beneficiary(paul.beneficiary, side_a.consultant)
    path = sent.url.split("127.0.0.1:8000")[-1]
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(path).status_code == 410
        response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 410
    assert not User.objects.filter(email=paul.beneficiary.email).exists()


def test_a_new_invitation_replaces_the_previous_one(client, side_a, paul):
    with side_a.scope():
        first = services.invite_beneficiary(paul.beneficiary, side_a.consultant)
        second = services.invite_beneficiary(paul.beneficiary, side_a.consultant)
    assert client.get(first.url.split("127.0.0.1:8000")[-1]).status_code == 410
    assert client.get(second.url.split("127.0.0.1:8000")[-1]).status_code == 200


def test_unknown_token_is_refused(client, db):
    assert client.get("/mon-espace/activer/nimportequoi/").status_code == 410


def test_a_beneficiary_with_access_is_not_invited_twice(
    client, side_a, louise, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite(client, side_a, louise, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mailoutbox == []
    with side_a.scope():
        assert not PortalInvitation.objects.filter(beneficiary=louise.beneficiary).exists()


def test_invitation_message_is_french_and_clear(client, side_a, louise):
    client.force_login(side_a.consultant)
    response = client.post(
        reverse("portal:invite", args=[louise.beneficiary.pk]), {"next": "/"}, follow=True
    )
    assert "a déjà accès à son espace" in response.content.decode()


def test_only_the_assigned_consultants_and_admins_may_invite(
    client, side_a, side_b, paul, colleague
):
    url = reverse("portal:invite", args=[paul.beneficiary.pk])
    for user in (colleague, side_b.consultant, side_b.admin):
        client.force_login(user)
        assert client.post(url).status_code == 404
    client.force_login(side_a.admin)
    assert client.post(url).status_code == 302
    with side_a.scope():
        assert PortalInvitation.objects.filter(beneficiary=paul.beneficiary).count() == 1


def test_a_beneficiary_cannot_invite(client, louise, neighbour):
    client.force_login(louise.user)
    assert client.post(reverse("portal:invite", args=[neighbour.beneficiary.pk])).status_code == 404


def test_invite_is_post_only(client, side_a, paul):
    client.force_login(side_a.consultant)
    assert client.get(reverse("portal:invite", args=[paul.beneficiary.pk])).status_code == 405


def test_an_address_already_used_by_another_account_is_refused(side_a, paul):
    User.objects.create_user(paul.beneficiary.email, "x-long-password-1")
    with side_a.scope(), pytest.raises(services.PortalError, match="déjà utilisée"):
        services.invite_beneficiary(paul.beneficiary, side_a.consultant)


def test_sign_in_by_emailed_code(client, louise, mailoutbox):
    response = client.post(reverse("account_request_login_code"), {"email": louise.user.email})
    assert response.status_code == 302
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.MULTILINE)
    confirmed = client.post(
        reverse("account_confirm_login_code"), {"code": match.group(1)}, follow=True
    )
    assert confirmed.redirect_chain[-1][0] == reverse("portal:home")
    assert "Bonjour Louise" in confirmed.content.decode()


def test_portal_access_state_for_the_consultants_pages(side_a, paul, louise):
    with side_a.scope():
        assert services.portal_access(paul.beneficiary)["state"] == "none"
        sent = services.invite_beneficiary(paul.beneficiary, side_a.consultant)
        state = services.portal_access(paul.beneficiary)
        assert state["state"] == "invited"
        assert state["invitation"] == sent.invitation
        assert services.portal_access(louise.beneficiary) == {
            "state": "active",
            "invitation": None,
            "can_invite": False,
        }


def test_portal_fills_the_beneficiary_page_of_the_bilan_app(client, side_a, paul, louise):
    """bilan does not know portal: portal registers its panel on the beneficiary's page."""
    assert _beneficiary_panels.count(access_panel) == 1
    client.force_login(side_a.consultant)
    active = client.get(reverse("beneficiary_detail", args=[louise.beneficiary.pk]))
    html = active.content.decode()
    assert "Espace bénéficiaire" in html
    assert "Compte actif" in html
    assert reverse("portal:invite", args=[louise.beneficiary.pk]) not in html
    with side_a.scope():
        services.invite_beneficiary(paul.beneficiary, side_a.consultant)
    invited = client.get(reverse("beneficiary_detail", args=[paul.beneficiary.pk]))
    html = invited.content.decode()
    assert "Invitation envoyée (valable jusqu" in html
    assert reverse("portal:invite", args=[paul.beneficiary.pk]) in html
    assert "Renvoyer l'invitation à son espace" in html
